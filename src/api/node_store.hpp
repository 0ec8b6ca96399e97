#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/database.hpp"
#include "api/messages.hpp"

namespace bv::api {

// The nodes: as created through bv-api (host, name, image, the create request and what they should
// be), and as their hosts report them (status, failure, the whole node). A deleted node stays as a
// record with status deleted (its name is free again); its keys and metrics go.
class NodeStore {
public:
    explicit NodeStore(Database& db) : db_(db) {}

    // A node bv-api assigned to a host, stopped until started.
    admin::Node add(const std::string& host_id, const v1::NodeCreate& spec, std::int64_t now_ms);
    std::optional<admin::Node> find(std::string_view id);
    // By its id, or by the name of a node not deleted. Throws rpc::Error: not_found, or
    // invalid_argument when nodes of several hosts have that name.
    admin::Node resolve(std::string_view id_or_name);
    // Is the name used by a node not deleted?
    bool name_taken(std::string_view name);
    // Every node (of one host when `host_id` is not empty), oldest first.
    std::vector<admin::Node> list(std::string_view host_id, bool include_deleted);

    void set_desired(const std::string& node_id, v1::NodeStatus desired);
    void set_image(const std::string& node_id, std::string_view image);

    // A status update from `host_id`: kept when its sequence is higher than the one kept
    // (returns false for an older one). A node the host created itself (with bv) is added.
    // Throws rpc::Error(permission_denied) for a node of another host.
    bool apply_status(const std::string& host_id, const v1::UpdateNodeStatusRequest& update, std::int64_t now_ms);
    // The node is gone from its host (a delete completed, or a create failed): status deleted,
    // with `failure` saying why when it never was created. Its keys and metrics go too.
    void mark_deleted(const std::string& node_id, std::string_view failure, std::int64_t now_ms);

private:
    Database& db_;
};

}  // namespace bv::api
