#include "api/admin_views.hpp"

#include <fmt/format.h>

#include <map>

#include "api/fleet.hpp"
#include "cli/output.hpp"

namespace bv::api {
namespace {

std::string enum_word(const std::string& name, std::string_view prefix, bool unspecified) {
    if (unspecified) return "-";
    auto word = std::string_view(name).starts_with(prefix) ? name.substr(prefix.size()) : name;
    for (auto& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return word;
}

std::string result_word(const admin::CommandRecord& record) {
    if (record.state() != admin::COMMAND_STATE_COMPLETED) return "-";
    const auto& result = record.result();
    return result.success() ? "ok" : result.error_code() + ": " + result.error_message();
}

std::string short_sha(const std::string& sha256) { return sha256.substr(0, 12); }

}  // namespace

std::string status_word(v1::NodeStatus status) {
    return enum_word(v1::NodeStatus_Name(status), "NODE_STATUS_", status == v1::NODE_STATUS_UNSPECIFIED);
}

std::string status_word(v1::HostStatus status) {
    return enum_word(v1::HostStatus_Name(status), "HOST_STATUS_", status == v1::HOST_STATUS_UNSPECIFIED);
}

std::string state_word(admin::CommandState state) {
    return enum_word(admin::CommandState_Name(state), "COMMAND_STATE_", state == admin::COMMAND_STATE_UNSPECIFIED);
}

void print_hosts(const admin::ListHostsResponse& response) {
    if (response.hosts().empty()) {
        fmt::print("no hosts (provision one: bv-api otp, then bv init OTP on the host)\n");
        return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& host : response.hosts()) {
        const auto& metrics = host.metrics();
        const bool has_metrics = host.has_metrics();
        rows.push_back({
            host.id(),
            host.info().name(),
            host.revoked() ? "revoked" : status_word(host.status()),
            host.open_streams() > 0 ? "connected" : "-",
            host.version().empty() ? host.info().version() : host.version(),
            host.info().ip(),
            std::to_string(host.nodes()),
            has_metrics ? fmt::format("{:.0f}%", metrics.cpu_used_percent()) : "-",
            has_metrics ? fmt::format("{} free of {}", cli::format_bytes(metrics.memory_available_bytes()),
                                      cli::format_bytes(metrics.memory_total_bytes()))
                        : "-",
        });
    }
    cli::print_table({"ID", "NAME", "STATUS", "STREAM", "VERSION", "IP", "NODES", "CPU", "MEMORY"}, rows);
}

void print_nodes(const admin::ListNodesResponse& response, const admin::ListHostsResponse& hosts) {
    if (response.nodes().empty()) {
        fmt::print("no nodes (create one: bv-api node create HOST IMAGE --name NAME)\n");
        return;
    }
    std::map<std::string, std::string> host_names;
    for (const auto& host : hosts.hosts()) host_names[host.id()] = host.info().name();
    std::vector<std::vector<std::string>> rows;
    for (const auto& node : response.nodes()) {
        const auto height = node.metrics().values().find("height");
        rows.push_back({
            node.id(),
            node.name(),
            host_names.contains(node.host_id()) ? host_names[node.host_id()] : node.host_id(),
            node.image(),
            status_word(node.status()),
            status_word(node.desired()),
            height != node.metrics().values().end() ? height->second : "-",
            node.failure(),
        });
    }
    cli::print_table({"ID", "NAME", "HOST", "IMAGE", "STATUS", "DESIRED", "HEIGHT", "FAILURE"}, rows);
}

void print_images(const admin::ListImagesResponse& response) {
    if (response.images().empty()) {
        fmt::print("no images (add one: bv-api image add IMAGE_DIR)\n");
        return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& image : response.images()) {
        rows.push_back({image.name(), cli::format_bytes(image.size()), short_sha(image.sha256()),
                        cli::format_timestamp_ms(image.added_at_ms()), image.url()});
    }
    cli::print_table({"NAME", "SIZE", "SHA256", "ADDED", "URL"}, rows);
}

void print_image(const admin::Image& image) {
    cli::print_fields({
        {"image", image.name()},
        {"size", fmt::format("{} ({} bytes)", cli::format_bytes(image.size()), image.size())},
        {"sha256", image.sha256()},
        {"url", image.url()},
    });
}

void print_bundles(const admin::ListBundlesResponse& response) {
    if (response.bundles().empty()) {
        fmt::print("no bundles (publish one: bv-api bundle publish FILE)\n");
        return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& stored : response.bundles()) {
        const auto& bundle = stored.bundle();
        rows.push_back({bundle.version(), cli::format_bytes(bundle.size()), short_sha(bundle.sha256()),
                        cli::format_timestamp_ms(bundle.published_at_ms()), bundle.url()});
    }
    cli::print_table({"VERSION", "SIZE", "SHA256", "PUBLISHED", "URL"}, rows);
}

void print_published(const admin::PublishBundleResponse& response) {
    const auto& bundle = response.bundle().bundle();
    cli::print_fields({
        {"bundle", bundle.version()},
        {"size", fmt::format("{} ({} bytes)", cli::format_bytes(bundle.size()), bundle.size())},
        {"sha256", bundle.sha256()},
        {"url", bundle.url()},
        {"notified", fmt::format("{} hosts (HostUpdateNotice)", response.notices_size())},
    });
}

void print_keys(const admin::ListKeysResponse& response) {
    if (response.keys().empty()) {
        fmt::print("no keys for node {}\n", response.node_id());
        return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& key : response.keys()) {
        rows.push_back({key.name(), fmt::format("{} B", key.content().size()), cli::format_timestamp_ms(key.saved_at_ms())});
    }
    cli::print_table({"NAME", "SIZE", "SAVED"}, rows);
}

void print_commands(const admin::ListCommandsResponse& response) {
    if (response.commands().empty()) {
        fmt::print("no commands\n");
        return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& record : response.commands()) {
        rows.push_back({record.command().id(), command_kind(record.command()),
                        record.node_id().empty() ? "-" : record.node_id(), state_word(record.state()),
                        cli::format_timestamp_ms(record.command().issued_at_ms()), result_word(record)});
    }
    cli::print_table({"ID", "KIND", "NODE", "STATE", "ISSUED", "RESULT"}, rows);
}

void print_issued(const admin::ChangeNodeResponse& response) {
    cli::print_fields({
        {"node", response.node().id()},
        {"name", response.node().name()},
        {"command", response.command().command().id()},
        {"kind", command_kind(response.command().command())},
        {"host", response.command().host_id()},
    });
}

}  // namespace bv::api
