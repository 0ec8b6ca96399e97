#include "cli/node_view.hpp"

#include <fmt/format.h>

#include <map>

namespace bv::cli {
namespace {

namespace v1 = blockvisor::v1;

using StringMap = google::protobuf::Map<std::string, std::string>;

// Protobuf maps have no order; output must be stable.
std::map<std::string, std::string> sorted(const StringMap& values) {
    return {values.begin(), values.end()};
}

std::string joined_key_values(const StringMap& values) {
    std::string text;
    for (const auto& [key, value] : sorted(values)) {
        text += fmt::format("{}{}={}", text.empty() ? "" : ", ", key, value);
    }
    return text.empty() ? "-" : text;
}

template <class NodeMessage>  // NodeInfo or NodeRow
std::string uptime_text(const NodeMessage& node) {
    return node.status() == v1::NODE_STATUS_RUNNING ? format_duration(node.uptime_seconds()) : "-";
}

std::string network_text(const v1::NodeNetwork& network) {
    if (network.mode().empty() || network.mode() == "host") return "host";
    auto text = network.mode();
    if (!network.ip().empty()) text += ", ip " + network.ip();
    if (!network.gateway().empty()) text += ", gateway " + network.gateway();
    return text;
}

std::string requirements_text(const v1::NodeRequirements& requirements) {
    return fmt::format("{} vCPU, {} memory, {} disk", requirements.vcpu_count(),
                       format_bytes(requirements.mem_size_mb() << 20),
                       format_bytes(requirements.disk_size_gb() << 30));
}

std::string backend_text(v1::MachineBackend backend) {
    switch (backend) {
        case v1::MACHINE_BACKEND_QEMU: return "qemu";
        case v1::MACHINE_BACKEND_FIRECRACKER: return "firecracker";
        default: return "sandbox";
    }
}

std::string failure_text(const v1::NodeInfo& node) {
    if (node.failure().empty()) return "-";
    if (node.recovery_attempts() == 0) return node.failure();
    return fmt::format("{} ({} recovery attempts)", node.failure(), node.recovery_attempts());
}

std::string entry_point_text(const v1::EntryPoint& entry_point) {
    auto text = fmt::format("{} (pid {}, {} restart{}", entry_point.name(), entry_point.pid(),
                            entry_point.restarts(), entry_point.restarts() == 1 ? "" : "s");
    if (!entry_point.last_exit().empty()) text += ", last exit: " + entry_point.last_exit();
    return text + ")";
}

}  // namespace

std::string node_status_line(const v1::NodeInfo& node) {
    const auto word = status_word(node.status());
    if (node.status() != v1::NODE_STATUS_FAILED || node.failure().empty()) return word;
    return fmt::format("{} ({})", word, node.failure());
}

std::vector<std::string> node_table_header() {
    return {"ID", "NAME", "IMAGE", "STATUS", "UPTIME", "IP"};
}

NodeTable node_table(const google::protobuf::RepeatedPtrField<v1::NodeRow>& rows) {
    NodeTable table;
    table.cells.reserve(static_cast<std::size_t>(rows.size()) * node_table_header().size());
    for (const auto& node : rows) {
        const auto& status = table.words.emplace_back(status_word(node.status()));
        const auto& uptime = table.words.emplace_back(uptime_text(node));
        const auto ip = node.ip().empty() ? std::string_view("host") : std::string_view(node.ip());
        table.cells.insert(table.cells.end(), {node.id(), node.name(), node.image(), status, uptime, ip});
    }
    return table;
}

Fields node_info_fields(const v1::NodeInfo& node) {
    Fields fields{
        {"id", node.id()},
        {"name", node.name()},
        {"image", image_name(node.image())},
        {"status", status_word(node.status())},
        {"desired", status_word(node.desired())},
        {"uptime", uptime_text(node)},
        {"pid", node.pid() > 0 ? std::to_string(node.pid()) : "-"},
        {"backend", backend_text(node.backend())},
        {"network", network_text(node.network())},
        {"properties", joined_key_values(node.properties())},
        {"requirements", requirements_text(node.requirements())},
        {"created", format_timestamp_ms(node.created_at_ms())},
        {"failure", failure_text(node)},
    };
    if (node.entry_points().empty()) fields.emplace_back("entry points", "-");
    // One line each; the lines after the first have no key, so the entry points line up.
    std::string key = "entry points";
    for (const auto& entry_point : node.entry_points()) {
        fields.emplace_back(key, entry_point_text(entry_point));
        key.clear();
    }
    return fields;
}

Fields node_metrics_fields(const v1::NodeMetrics& metrics) {
    Fields fields;
    for (const auto& [method, value] : sorted(metrics.values())) fields.emplace_back(method, value);
    for (const auto& [method, error] : sorted(metrics.errors()))
        fields.emplace_back(method, "error: " + error);
    fields.emplace_back("collected", format_timestamp_ms(metrics.collected_at_ms()));
    return fields;
}

std::string node_event_line(const v1::NodeEvent& event) {
    auto line =
        fmt::format("{} {} {}", format_timestamp_ms(event.at_ms()),
                    event.node_name().empty() ? event.node_id() : event.node_name(), event_word(event));
    if (!event.message().empty()) line += " " + event.message();
    return line;
}

}  // namespace bv::cli
