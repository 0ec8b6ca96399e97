#include "api/fleet.hpp"

#include <arpa/inet.h>

#include "daemon/node_names.hpp"
#include "rpc/error.hpp"

namespace bv::api {
namespace {

rpc::Error invalid(std::string message) { return rpc::Error(rpc::Code::invalid_argument, std::move(message)); }

void check_usable(const admin::Host& host) {
    if (host.revoked()) {
        throw rpc::Error(rpc::Code::failed_precondition,
                         "host " + host.id() + " (" + host.info().name() + ") is revoked: it takes no commands");
    }
}

admin::Image find_image(Store& store, const std::string& name) {
    auto image = store.images.find(name);
    if (!image) {
        throw rpc::Error(rpc::Code::not_found, "no image '" + name +
                                                   "' in bv-api: add it with 'bv-api image add IMAGE_DIR' (see "
                                                   "'bv-api images')");
    }
    return std::move(*image);
}

// An IPv4 address, plain or with a prefix length ("10.0.0.5" or "10.0.0.5/24").
bool is_ipv4(const std::string& text, bool prefix_allowed) {
    const auto slash = text.find('/');
    if (slash != std::string::npos) {
        if (!prefix_allowed) return false;
        const auto prefix = text.substr(slash + 1);
        if (prefix.empty() || prefix.size() > 2 || prefix.find_first_not_of("0123456789") != std::string::npos ||
            std::stoi(prefix) > 32) {
            return false;
        }
    }
    in_addr address{};
    return inet_pton(AF_INET, text.substr(0, slash).c_str(), &address) == 1;
}

void check_network(const v1::NodeNetwork& network) {
    if (network.mode() != v1::NETWORK_MODE_BRIDGE) {
        if (!network.ip().empty() || !network.gateway().empty()) {
            throw invalid("an IP address and a gateway are for bridge networking only (--network bridge)");
        }
        return;
    }
    if (!is_ipv4(network.ip(), true)) {
        throw invalid("bridge networking needs the node's IPv4 address (--ip), got '" + network.ip() + "'");
    }
    if (!is_ipv4(network.gateway(), false)) {
        throw invalid("bridge networking needs the gateway's IPv4 address (--gateway), got '" + network.gateway() + "'");
    }
}

v1::NodeStatus desired_after(const v1::Command& command) {
    switch (command.kind_case()) {
        case v1::Command::kNodeStart:
        case v1::Command::kNodeRestart: return v1::NODE_STATUS_RUNNING;
        case v1::Command::kNodeStop: return v1::NODE_STATUS_STOPPED;
        case v1::Command::kNodeDelete: return v1::NODE_STATUS_DELETED;
        default: return v1::NODE_STATUS_UNSPECIFIED;  // unchanged
    }
}

}  // namespace

std::string command_kind(const v1::Command& command) {
    // The oneof's case is the number of its field.
    const auto* field = v1::Command::descriptor()->FindFieldByNumber(command.kind_case());
    return field != nullptr ? field->name() : "unknown";
}

std::string image_family(const std::string& image) { return image.substr(0, image.rfind('/')); }

admin::ChangeNodeResponse Fleet::create_node(const admin::CreateNodeRequest& request, std::int64_t now_ms) {
    const auto host = store_.hosts.resolve(request.host());
    check_usable(host);
    if (!daemon::valid_node_name(request.name())) {
        throw invalid("node name '" + request.name() +
                      "' is not valid: 1 to 63 of a-z, 0-9 and '-', starting with a letter or digit");
    }
    if (store_.nodes.name_taken(request.name())) {
        throw rpc::Error(rpc::Code::already_exists, "a node named '" + request.name() + "' exists already");
    }
    const auto image = find_image(store_, request.image());
    check_network(request.network());

    v1::Command command;
    command.set_id(daemon::new_node_id());
    command.set_issued_at_ms(now_ms);
    auto& create = *command.mutable_node_create();
    create.set_node_id(daemon::new_node_id());
    create.set_name(request.name());
    create.set_image(image.name());
    *create.mutable_properties() = request.properties();
    if (request.has_network()) *create.mutable_network() = request.network();
    *create.mutable_requirements() = image.requirements();

    Transaction transaction(store_.db);
    const auto node = store_.nodes.add(host.id(), create, now_ms);
    auto response = issue(node, std::move(command), now_ms);
    transaction.commit();
    return response;
}

admin::ChangeNodeResponse Fleet::change_node(const admin::ChangeNodeRequest& request, std::int64_t now_ms) {
    const auto node = store_.nodes.resolve(request.node());
    if (node.status() == v1::NODE_STATUS_DELETED) {
        throw rpc::Error(rpc::Code::failed_precondition, "node " + node.id() + " (" + node.name() + ") is deleted");
    }
    const auto host = store_.hosts.find(node.host_id());
    check_usable(*host);

    v1::Command command;
    command.set_id(daemon::new_node_id());
    command.set_issued_at_ms(now_ms);
    switch (request.action()) {
        case admin::NODE_ACTION_START: command.mutable_node_start()->set_node_id(node.id()); break;
        case admin::NODE_ACTION_STOP: {
            auto& stop = *command.mutable_node_stop();
            stop.set_node_id(node.id());
            stop.set_force(request.force());
            break;
        }
        case admin::NODE_ACTION_RESTART: {
            auto& restart = *command.mutable_node_restart();
            restart.set_node_id(node.id());
            restart.set_force(request.force());
            break;
        }
        case admin::NODE_ACTION_UPGRADE: {
            const auto image = find_image(store_, request.image());
            if (image_family(image.name()) != image_family(node.image())) {
                throw invalid("node " + node.name() + " runs " + node.image() + ": it upgrades to another version of " +
                              image_family(node.image()) + ", not to " + image.name());
            }
            auto& upgrade = *command.mutable_node_upgrade();
            upgrade.set_node_id(node.id());
            upgrade.set_image(image.name());
            break;
        }
        case admin::NODE_ACTION_DELETE: command.mutable_node_delete()->set_node_id(node.id()); break;
        default: throw invalid("no action given: start, stop, restart, upgrade or delete");
    }

    Transaction transaction(store_.db);
    if (command.has_node_upgrade()) store_.nodes.set_image(node.id(), command.node_upgrade().image());
    auto response = issue(node, std::move(command), now_ms);
    transaction.commit();
    return response;
}

admin::ChangeNodeResponse Fleet::issue(const admin::Node& node, v1::Command command, std::int64_t now_ms) {
    admin::ChangeNodeResponse response;
    const auto desired = desired_after(command);
    if (desired != v1::NODE_STATUS_UNSPECIFIED) store_.nodes.set_desired(node.id(), desired);
    *response.mutable_command() = store_.commands.issue(node.host_id(), node.id(), command);
    *response.mutable_node() = *store_.nodes.find(node.id());
    return response;
}

std::vector<admin::CommandRecord> Fleet::notify_update(const std::string& version, std::int64_t now_ms) {
    std::vector<admin::CommandRecord> notices;
    Transaction transaction(store_.db);
    for (const auto& host : store_.hosts.list()) {
        if (host.revoked()) continue;
        v1::Command command;
        command.set_id(daemon::new_node_id());
        command.set_issued_at_ms(now_ms);
        command.mutable_host_update_notice()->set_version(version);
        notices.push_back(store_.commands.issue(host.id(), "", command));
    }
    transaction.commit();
    return notices;
}

bool Fleet::complete_command(const std::string& host_id, const v1::CompleteCommandRequest& request,
                             std::int64_t now_ms) {
    if (!request.has_result()) throw invalid("Complete carries the command's result (CompleteCommandRequest.result)");
    const auto& result = request.result();
    Transaction transaction(store_.db);
    const auto completion = store_.commands.complete(host_id, request.command_id(), result, now_ms);
    if (completion.completed_now) {
        const auto& command = completion.record.command();
        if (command.has_node_delete() && result.success()) {
            store_.nodes.mark_deleted(completion.record.node_id(), "", now_ms);
        } else if (command.has_node_create() && !result.success()) {
            store_.nodes.mark_deleted(completion.record.node_id(),
                                      "create failed: " + result.error_code() + ": " + result.error_message(), now_ms);
        } else if (command.has_host_report_info() && result.success() && result.has_host()) {
            store_.hosts.update_info(host_id, result.host());
        }
    }
    transaction.commit();
    return completion.completed_now;
}

}  // namespace bv::api
