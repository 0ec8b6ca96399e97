#include "daemon/metrics_collector.hpp"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fstream>
#include <sstream>

#include "babel/node_contract.hpp"
#include "common/log.hpp"
#include "common/system_info.hpp"
#include "common/wall_clock.hpp"
#include "rpc/connect_client.hpp"
#include "rpc/error.hpp"

namespace bv::daemon {
namespace {

namespace babel_v1 = blockvisor::babel::v1;

constexpr std::array<std::string_view, 9> kWellKnownMethods{
    "height", "block_age", "peers", "sync_status", "consensus", "name", "address", "staking_status", "application_status"};

// Total and idle CPU time from the first line of /proc/stat.
std::pair<std::uint64_t, std::uint64_t> cpu_times() {
    std::ifstream stat("/proc/stat");
    std::string cpu;
    stat >> cpu;
    std::uint64_t total = 0, idle = 0, value = 0;
    for (int field = 0; field < 8 && stat >> value; ++field) {
        total += value;
        if (field == 3 || field == 4) idle += value;  // idle, iowait
    }
    return {total, idle};
}

}  // namespace

MetricsCollector::MetricsCollector(NodeManager& nodes, std::filesystem::path root, std::chrono::milliseconds interval)
    : nodes_(nodes), root_(std::move(root)), interval_(interval) {
    sample_host();
}

asio::awaitable<v1::NodeMetrics> MetricsCollector::collect(std::string node_id) {
    v1::NodeMetrics metrics;
    metrics.set_node(node_id);
    const auto image = nodes_.image_of(node_id);
    auto node = nodes_.client_of_running(node_id);
    for (const auto method : kWellKnownMethods) {
        if (image.config.find_method(method) == nullptr) continue;
        babel_v1::RunRequest request;
        request.set_method(std::string(method));
        request.set_timeout_ms(static_cast<std::uint32_t>(kMethodTimeout.count()));
        try {
            const auto response = co_await node.call(babel::procedures::run, request, kMethodTimeout + std::chrono::seconds(1));
            (*metrics.mutable_values())[std::string(method)] = response.value();
        } catch (const rpc::Error& error) {
            (*metrics.mutable_errors())[std::string(method)] = error.what();
        }
    }
    metrics.set_collected_at_ms(unix_time_ms());
    cache_[node_id] = metrics;
    co_return metrics;
}

asio::awaitable<v1::NodeMetrics> MetricsCollector::node_metrics(std::string node) {
    const auto id = nodes_.info(node).id();
    const auto cached = cache_.find(id);
    if (cached != cache_.end() && unix_time_ms() - cached->second.collected_at_ms() < interval_.count()) co_return cached->second;
    co_return co_await collect(id);
}

void MetricsCollector::sample_host() {
    const auto system = read_system_info(root_);
    const auto [total, idle] = cpu_times();
    const auto busy_share = total > last_cpu_total_
                                ? 100.0 * (1.0 - static_cast<double>(idle - last_cpu_idle_) / static_cast<double>(total - last_cpu_total_))
                                : 0.0;
    last_cpu_total_ = total;
    last_cpu_idle_ = idle;
    set_capacity(host_, system);
    host_.set_cpu_used_percent(busy_share);
    host_.set_uptime_seconds(system.uptime_seconds);
}

v1::HostMetrics MetricsCollector::host_metrics() const {
    auto metrics = host_;
    const auto nodes = nodes_.list();
    metrics.set_nodes(static_cast<std::uint32_t>(nodes.size()));
    metrics.set_running_nodes(static_cast<std::uint32_t>(nodes_.running_nodes().size()));
    return metrics;
}

asio::awaitable<void> MetricsCollector::run() {
    asio::steady_timer tick(co_await asio::this_coro::executor);
    for (;;) {
        tick.expires_after(interval_);
        co_await tick.async_wait(asio::use_awaitable);
        sample_host();
        const auto running = nodes_.running_nodes();
        // Stopped and deleted nodes' metrics go: the cache holds running nodes only.
        std::erase_if(cache_, [&](const auto& entry) { return std::ranges::find(running, entry.first) == running.end(); });
        for (const auto& id : running) {
            try {
                co_await collect(id);
            } catch (const std::exception& error) {
                log::debug("metrics of node {}: {}", id, error.what());
            }
        }
    }
}

}  // namespace bv::daemon
