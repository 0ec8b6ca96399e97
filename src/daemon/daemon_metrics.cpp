#include "daemon/daemon_metrics.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

#include "host/node_words.hpp"

namespace bv::daemon {
namespace {

namespace v1 = blockvisor::v1;

constexpr std::array kStatuses{v1::NODE_STATUS_CREATING, v1::NODE_STATUS_STOPPED,   v1::NODE_STATUS_STARTING,
                               v1::NODE_STATUS_RUNNING,  v1::NODE_STATUS_STOPPING,  v1::NODE_STATUS_UPGRADING,
                               v1::NODE_STATUS_DELETING, v1::NODE_STATUS_FAILED};

MetricFamily gauge(std::string name, std::string help) { return {std::move(name), std::move(help), MetricType::gauge, {}}; }
MetricFamily counter(std::string name, std::string help) {
    return {std::move(name), std::move(help), MetricType::counter, {}};
}

std::optional<double> number(const std::string& text) {
    double value = 0;
    const auto* end = text.data() + text.size();
    const auto [parsed_to, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || parsed_to != end) return std::nullopt;
    return value;
}

MetricLabels node_labels(const v1::NodeInfo& node) {
    return {{"node_id", node.id()}, {"node_name", node.name()}, {"image", image_name(node.image())}};
}

void add_host_families(std::vector<MetricFamily>& families, const v1::HostMetrics& host) {
    families.push_back(gauge("blockvisor_host_cpus", "CPUs of this host.").add({}, host.cpu_count()));
    families.push_back(gauge("blockvisor_host_cpu_used_ratio", "Share of CPU time used between the last two samples (0 to 1).")
                           .add({}, host.cpu_used_percent() / 100.0));
    families.push_back(gauge("blockvisor_host_memory_total_bytes", "Memory of this host.").add({}, host.memory_total_bytes()));
    families.push_back(gauge("blockvisor_host_memory_available_bytes", "Memory available for new work (MemAvailable).")
                           .add({}, host.memory_available_bytes()));
    families.push_back(gauge("blockvisor_host_disk_total_bytes", "Size of the file system that holds the nodes.")
                           .add({}, host.disk_total_bytes()));
    families.push_back(gauge("blockvisor_host_disk_available_bytes", "Free space of the file system that holds the nodes.")
                           .add({}, host.disk_available_bytes()));
    families.push_back(gauge("blockvisor_host_load1", "Load average over one minute.").add({}, host.load_average_1m()));
    families.push_back(gauge("blockvisor_host_uptime_seconds", "Time since the host booted.").add({}, host.uptime_seconds()));
}

void add_node_families(std::vector<MetricFamily>& families, const DaemonMetricsView& view) {
    auto nodes = gauge("blockvisor_nodes", "Nodes on this host by status.");
    for (const auto status : kStatuses) {
        const auto in_status = std::ranges::count_if(view.nodes, [&](const auto& node) { return node.status() == status; });
        nodes.add({{"status", status_word(status)}}, static_cast<double>(in_status));
    }
    families.push_back(std::move(nodes));

    auto status = gauge("blockvisor_node_status", "1 for the node's current status, 0 for the others.");
    auto desired = gauge("blockvisor_node_desired_running", "1 when the node should run, 0 when it should be stopped.");
    auto uptime = gauge("blockvisor_node_uptime_seconds", "Time since the node's machine started (0 when not running).");
    auto restarts = counter("blockvisor_node_restarts_total", "Restarts of the node's entry points by its supervisor.");
    auto recovery = gauge("blockvisor_node_recovery_attempts",
                          "bvd's attempts to bring the node back to its desired state since it was last stable.");
    auto height = gauge("blockvisor_node_height", "The chain's block height, as the node reports it.");
    auto block_age = gauge("blockvisor_node_block_age_seconds", "Age of the node's latest block.");
    auto peers = gauge("blockvisor_node_peers", "Peers the node is connected to.");
    auto sync = gauge("blockvisor_node_sync_status", "1, with the node's sync status (as its chain names it) as a label.");
    for (const auto& node : view.nodes) {
        const auto labels = node_labels(node);
        for (const auto each : kStatuses) {
            auto with_status = labels;
            with_status.emplace_back("status", status_word(each));
            status.add(std::move(with_status), node.status() == each ? 1 : 0);
        }
        desired.add(labels, node.desired() == v1::NODE_STATUS_RUNNING ? 1 : 0);
        uptime.add(labels, node.status() == v1::NODE_STATUS_RUNNING ? static_cast<double>(node.uptime_seconds()) : 0);
        std::uint64_t restarted = 0;
        for (const auto& entry_point : node.entry_points()) restarted += entry_point.restarts();
        restarts.add(labels, static_cast<double>(restarted));
        recovery.add(labels, node.recovery_attempts());

        const auto reading = view.readings.find(node.id());
        if (node.status() != v1::NODE_STATUS_RUNNING || reading == view.readings.end()) continue;
        const auto& values = reading->second.values();
        const auto add_number = [&](MetricFamily& family, const char* method) {
            const auto value = values.find(method);
            if (value == values.end()) return;
            if (const auto parsed = number(value->second)) family.add(labels, *parsed);
        };
        add_number(height, "height");
        add_number(block_age, "block_age");
        add_number(peers, "peers");
        if (const auto value = values.find("sync_status"); value != values.end() && !value->second.empty()) {
            auto with_sync = labels;
            with_sync.emplace_back("sync_status", value->second);
            sync.add(std::move(with_sync), 1);
        }
    }
    for (auto* family : {&status, &desired, &uptime, &restarts, &recovery, &height, &block_age, &peers, &sync}) {
        families.push_back(std::move(*family));
    }
}

void add_operation_families(std::vector<MetricFamily>& families, const OperationMetrics& operations) {
    auto counts = counter("blockvisor_node_operations_total", "Node operations bvd finished, by operation and result.");
    auto durations = MetricFamily{"blockvisor_node_operation_duration_seconds",
                                  "How long node operations took, waiting for earlier ones on the same node included.",
                                  MetricType::histogram,
                                  {}};
    for (const auto operation : kNodeOperations) {
        const auto name = std::string(operation_name(operation));
        for (const auto result : {OperationResult::success, OperationResult::error}) {
            counts.add({{"operation", name}, {"result", std::string(result_name(result))}},
                       static_cast<double>(operations.count(operation, result)));
        }
        const auto& histogram = operations.histogram(operation);
        durations.add_histogram({{"operation", name}}, OperationMetrics::kBucketBounds, histogram.buckets, histogram.count,
                                histogram.sum_seconds);
    }
    families.push_back(std::move(counts));
    families.push_back(std::move(durations));
}

void add_control_plane_families(std::vector<MetricFamily>& families, bool provisioned, const ControlPlaneState& state) {
    families.push_back(gauge("blockvisor_control_plane_provisioned", "1 when this host is registered with a control plane.")
                           .add({}, provisioned ? 1 : 0));
    families.push_back(gauge("blockvisor_control_plane_connected", "1 while bvd's command stream to the control plane is open.")
                           .add({}, state.connected ? 1 : 0));
    families.push_back(counter("blockvisor_control_plane_connections_total", "Command streams bvd opened since it started.")
                           .add({}, state.connections));
    families.push_back(counter("blockvisor_control_plane_commands_acked_total",
                               "Commands of the control plane bvd acknowledged since it started.")
                           .add({}, static_cast<double>(state.commands_acked)));
    families.push_back(counter("blockvisor_control_plane_commands_completed_total",
                               "Commands of the control plane bvd completed (their result reported) since it started.")
                           .add({}, static_cast<double>(state.commands_completed)));
    families.push_back(gauge("blockvisor_control_plane_pending_status_updates",
                             "Node status updates waiting to be sent to the control plane.")
                           .add({}, static_cast<double>(state.pending_status_updates)));
}

}  // namespace

std::vector<MetricFamily> daemon_metric_families(const DaemonMetricsView& view) {
    std::vector<MetricFamily> families;
    families.push_back(gauge("blockvisor_build_info", "1, with the version of the running bvd as a label.")
                           .add({{"version", std::string(view.version)}}, 1));
    add_host_families(families, view.host);
    add_node_families(families, view);
    add_operation_families(families, view.operations);
    add_control_plane_families(families, view.provisioned, view.control_plane);
    return families;
}

}  // namespace bv::daemon
