#include "daemon/control/api_messages.hpp"

#include "host/node_words.hpp"

namespace bv::daemon {

api_v1::NodeStatus api_status(v1::NodeStatus status) {
    // The two enums have the same values by design (both list the seed's lifecycle).
    const auto value = static_cast<int>(status);
    return api_v1::NodeStatus_IsValid(value) ? static_cast<api_v1::NodeStatus>(value) : api_v1::NODE_STATUS_UNSPECIFIED;
}

api_v1::NodeInfo api_node_info(const v1::NodeInfo& info) {
    api_v1::NodeInfo node;
    node.set_id(info.id());
    node.set_name(info.name());
    node.set_image(image_name(info.image()));
    node.set_status(api_status(info.status()));
    node.set_desired(api_status(info.desired()));
    node.set_failure(info.failure());
    node.mutable_properties()->insert(info.properties().begin(), info.properties().end());
    const bool bridge = info.network().mode() == "bridge";
    node.mutable_network()->set_mode(bridge ? api_v1::NETWORK_MODE_BRIDGE : api_v1::NETWORK_MODE_HOST);
    node.mutable_network()->set_ip(info.network().ip());
    node.mutable_network()->set_gateway(info.network().gateway());
    node.mutable_requirements()->set_vcpu_count(info.requirements().vcpu_count());
    node.mutable_requirements()->set_mem_size_mb(info.requirements().mem_size_mb());
    node.mutable_requirements()->set_disk_size_gb(info.requirements().disk_size_gb());
    node.set_created_at_ms(info.created_at_ms());
    node.set_recovery_attempts(info.recovery_attempts());
    return node;
}

v1::CreateNodeRequest create_request_of(const api_v1::NodeCreate& command) {
    v1::CreateNodeRequest request;
    request.set_id(command.node_id());
    request.set_name(command.name());
    request.set_image(command.image());
    request.mutable_properties()->insert(command.properties().begin(), command.properties().end());
    if (command.network().mode() == api_v1::NETWORK_MODE_BRIDGE) {
        request.mutable_network()->set_mode("bridge");
        request.mutable_network()->set_ip(command.network().ip());
        request.mutable_network()->set_gateway(command.network().gateway());
    }
    return request;
}

api_v1::UpdateNodeStatusRequest status_update_of(const v1::NodeEvent& event, const std::string& host_id) {
    api_v1::UpdateNodeStatusRequest update;
    update.set_host_id(host_id);
    update.set_node_id(event.node_id());
    update.set_status(api_status(event.status()));
    if (event.status() == v1::NODE_STATUS_FAILED) update.set_failure(event.message());
    update.set_sequence(event.sequence());
    update.set_at_ms(event.at_ms());
    return update;
}

std::string node_of_command(const api_v1::Command& command) {
    switch (command.kind_case()) {
        case api_v1::Command::kNodeCreate: return command.node_create().node_id();
        case api_v1::Command::kNodeStart: return command.node_start().node_id();
        case api_v1::Command::kNodeStop: return command.node_stop().node_id();
        case api_v1::Command::kNodeRestart: return command.node_restart().node_id();
        case api_v1::Command::kNodeUpgrade: return command.node_upgrade().node_id();
        case api_v1::Command::kNodeDelete: return command.node_delete().node_id();
        default: return {};
    }
}

std::string command_kind_name(const api_v1::Command& command) {
    const auto* field = api_v1::Command::descriptor()->FindFieldByNumber(static_cast<int>(command.kind_case()));
    return field == nullptr ? "unknown" : field->name();
}

}  // namespace bv::daemon
