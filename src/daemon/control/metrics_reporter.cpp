#include "daemon/control/metrics_reporter.hpp"

#include <random>

#include "common/async.hpp"
#include "common/backoff_policy.hpp"
#include "common/log.hpp"
#include "common/wall_clock.hpp"

namespace bv::daemon {

using namespace std::chrono_literals;

namespace {
// After a node started, its first values need babel to answer a few calls.
constexpr auto kSoon = 3s;
}  // namespace

MetricsReporter::MetricsReporter(ApiClient& api, NodeManager& nodes, MetricsCollector& metrics, ControlPlaneState& state,
                                 std::chrono::milliseconds interval)
    : api_(api), nodes_(nodes), metrics_(metrics), state_(state), interval_(interval) {}

asio::awaitable<void> MetricsReporter::run() {
    std::mt19937_64 random{std::random_device{}()};
    for (;;) {
        const bool asked = co_await with_timeout(soon_.wait(), within_a_tenth(interval_, random()));
        if (asked) co_await sleep_for(kSoon);
        if (!state_.connected) continue;
        try {
            co_await report();
        } catch (const rpc::Error& error) {
            log::debug("control plane: metrics not reported: {}", error.what());
        }
    }
}

asio::awaitable<void> MetricsReporter::report() {
    api::v1::ReportMetricsRequest request;
    request.set_host_id(api_.host_id());
    request.set_at_ms(unix_time_ms());
    const auto host = metrics_.host_metrics();
    auto* reported = request.mutable_host();
    reported->set_cpu_count(host.cpu_count());
    reported->set_cpu_used_percent(host.cpu_used_percent());
    reported->set_memory_total_bytes(host.memory_total_bytes());
    reported->set_memory_available_bytes(host.memory_available_bytes());
    reported->set_disk_total_bytes(host.disk_total_bytes());
    reported->set_disk_available_bytes(host.disk_available_bytes());
    reported->set_load_average_1m(host.load_average_1m());
    reported->set_uptime_seconds(host.uptime_seconds());
    reported->set_nodes(host.nodes());
    reported->set_running_nodes(host.running_nodes());
    for (const auto& id : nodes_.running_nodes()) {
        try {
            const auto node = co_await metrics_.node_metrics(id);
            auto* added = request.add_nodes();
            added->set_node_id(id);
            added->mutable_values()->insert(node.values().begin(), node.values().end());
            added->mutable_errors()->insert(node.errors().begin(), node.errors().end());
            added->set_collected_at_ms(node.collected_at_ms());
        } catch (const rpc::Error&) {
            // Stopped meanwhile.
        }
    }
    co_await api_.call(api::report_metrics, request, 15s);
}

}  // namespace bv::daemon
