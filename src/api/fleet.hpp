#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "api/messages.hpp"
#include "api/store.hpp"

namespace bv::api {

// The rules between what the admin asks and what hosts report: which command an admin request
// issues, what it changes of the node, and what a command's result means for the node and the
// host. Plain code over the store; each operation is checked before anything is written, and is
// one transaction.
class Fleet {
public:
    explicit Fleet(Store& store) : store_(store) {}

    // Assigns the node its id and issues NodeCreate. Throws rpc::Error: not_found (host, image),
    // already_exists (name), invalid_argument (name, network), failed_precondition (revoked host).
    admin::ChangeNodeResponse create_node(const admin::CreateNodeRequest& request, std::int64_t now_ms);
    // Issues NodeStart, NodeStop, NodeRestart, NodeUpgrade or NodeDelete.
    admin::ChangeNodeResponse change_node(const admin::ChangeNodeRequest& request, std::int64_t now_ms);
    // A host's Complete: keeps the first result only, and applies what it means (a deleted node is
    // deleted, a node whose create failed is gone, a host's new info is kept). Returns whether this
    // call completed the command.
    // Issues a HostUpdateNotice of `version` to every host that is not revoked, in one
    // transaction; returns the commands.
    std::vector<admin::CommandRecord> notify_update(const std::string& version, std::int64_t now_ms);
    bool complete_command(const std::string& host_id, const v1::CompleteCommandRequest& request, std::int64_t now_ms);

private:
    admin::ChangeNodeResponse issue(const admin::Node& node, v1::Command command, std::int64_t now_ms);

    Store& store_;
};

// "node_create", "node_start", ..., "host_report_info": the name of the command's kind.
std::string command_kind(const v1::Command& command);

// "protocol/node_type/version" -> "protocol/node_type".
std::string image_family(const std::string& image);

}  // namespace bv::api
