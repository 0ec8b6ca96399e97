#pragma once

// bvd's view of nodes and events, in the control plane's messages (blockvisor.api.v1), and
// the control plane's commands as local requests. Plain functions over messages.

#include "blockvisor/api/v1/command.pb.h"
#include "blockvisor/api/v1/common.pb.h"
#include "blockvisor/api/v1/node.pb.h"
#include "blockvisor/v1/node.pb.h"

namespace bv::daemon {

namespace api_v1 = blockvisor::api::v1;
namespace v1 = blockvisor::v1;

api_v1::NodeStatus api_status(v1::NodeStatus status);
api_v1::NodeInfo api_node_info(const v1::NodeInfo& info);
v1::CreateNodeRequest create_request_of(const api_v1::NodeCreate& command);
// The status update a node event makes (the node itself attached by the caller).
api_v1::UpdateNodeStatusRequest status_update_of(const v1::NodeEvent& event, const std::string& host_id);

// The node a command is about; empty for host commands.
std::string node_of_command(const api_v1::Command& command);
// "node_start", "host_report_info", ...: for logs and errors.
std::string command_kind_name(const api_v1::Command& command);

}  // namespace bv::daemon
