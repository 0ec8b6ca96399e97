#include "api/node_store.hpp"

#include "api/named_record.hpp"
#include "rpc/error.hpp"

namespace bv::api {
namespace {

constexpr std::string_view kNodeColumns =
    "id, host_id, name, image, desired, spec, created_at_ms, status, failure, sequence, status_at_ms, reported";

admin::Node node_row(const Statement& row) {
    admin::Node node;
    node.set_id(row.text(0));
    node.set_host_id(row.text(1));
    node.set_name(row.text(2));
    node.set_image(row.text(3));
    node.set_desired(static_cast<v1::NodeStatus>(row.integer(4)));
    const auto spec = message_column<v1::NodeCreate>(row, 5);
    *node.mutable_properties() = spec.properties();
    if (spec.has_network()) *node.mutable_network() = spec.network();
    node.set_created_at_ms(row.integer(6));
    node.set_status(static_cast<v1::NodeStatus>(row.integer(7)));
    node.set_failure(row.text(8));
    node.set_sequence(static_cast<std::uint64_t>(row.integer(9)));
    node.set_status_at_ms(row.integer(10));
    if (!row.is_null(11)) *node.mutable_reported() = message_column<v1::NodeInfo>(row, 11);
    return node;
}

std::vector<admin::Node> nodes_where(Database& db, const std::string& condition, std::string_view value) {
    auto statement = db.prepare("SELECT " + std::string(kNodeColumns) + " FROM nodes " + condition +
                                " ORDER BY created_at_ms, id");
    if (!value.empty()) statement.bind(1, value);
    std::vector<admin::Node> nodes;
    while (statement.step()) nodes.push_back(node_row(statement));
    return nodes;
}

const std::string kNotDeleted = "status != " + std::to_string(v1::NODE_STATUS_DELETED);

// What a host's report says the node was created as, for a node bv-api did not create.
v1::NodeCreate spec_of_reported(const v1::NodeInfo& node) {
    v1::NodeCreate spec;
    spec.set_node_id(node.id());
    spec.set_name(node.name());
    spec.set_image(node.image());
    *spec.mutable_properties() = node.properties();
    if (node.has_network()) *spec.mutable_network() = node.network();
    if (node.has_requirements()) *spec.mutable_requirements() = node.requirements();
    return spec;
}

}  // namespace

admin::Node NodeStore::add(const std::string& host_id, const v1::NodeCreate& spec, std::int64_t now_ms) {
    db_.run("INSERT INTO nodes (id, host_id, name, image, desired, spec, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
            spec.node_id(), host_id, spec.name(), spec.image(), v1::NODE_STATUS_STOPPED, Blob{spec.SerializeAsString()},
            now_ms);
    return *find(spec.node_id());
}

std::optional<admin::Node> NodeStore::find(std::string_view id) {
    auto nodes = nodes_where(db_, "WHERE id = ?", id);
    if (nodes.empty()) return std::nullopt;
    return std::move(nodes.front());
}

admin::Node NodeStore::resolve(std::string_view id_or_name) {
    return one_named("node", id_or_name, find(id_or_name), nodes_where(db_, "WHERE name = ? AND " + kNotDeleted, id_or_name));
}

bool NodeStore::name_taken(std::string_view name) {
    return !nodes_where(db_, "WHERE name = ? AND " + kNotDeleted, name).empty();
}

std::vector<admin::Node> NodeStore::list(std::string_view host_id, bool include_deleted) {
    std::string condition;
    if (!host_id.empty()) condition = "WHERE host_id = ?";
    if (!include_deleted) condition += (condition.empty() ? "WHERE " : " AND ") + kNotDeleted;
    return nodes_where(db_, condition, host_id);
}

void NodeStore::set_desired(const std::string& node_id, v1::NodeStatus desired) {
    db_.run("UPDATE nodes SET desired = ? WHERE id = ?", desired, node_id);
}

void NodeStore::set_image(const std::string& node_id, std::string_view image) {
    db_.run("UPDATE nodes SET image = ? WHERE id = ?", image, node_id);
}

bool NodeStore::apply_status(const std::string& host_id, const v1::UpdateNodeStatusRequest& update,
                             std::int64_t now_ms) {
    Transaction transaction(db_);
    auto node = find(update.node_id());
    if (node && node->host_id() != host_id) {
        throw rpc::Error(rpc::Code::permission_denied,
                         "node " + update.node_id() + " belongs to another host than " + host_id);
    }
    if (!node) {
        auto reported = update.node();
        reported.set_id(update.node_id());
        const auto desired = reported.desired() != v1::NODE_STATUS_UNSPECIFIED ? reported.desired() : update.status();
        db_.run("INSERT INTO nodes (id, host_id, name, image, desired, spec, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                update.node_id(), host_id, reported.name(), reported.image(), desired,
                Blob{spec_of_reported(reported).SerializeAsString()},
                reported.created_at_ms() != 0 ? reported.created_at_ms() : now_ms);
    } else if (node->status() != v1::NODE_STATUS_UNSPECIFIED && update.sequence() <= node->sequence()) {
        return false;  // older than the update kept (the transaction has nothing to undo)
    }
    db_.run("UPDATE nodes SET status = ?, failure = ?, sequence = ?, status_at_ms = ? WHERE id = ?", update.status(),
            update.failure(), update.sequence(), now_ms, update.node_id());
    if (update.has_node()) {
        db_.run("UPDATE nodes SET reported = ? WHERE id = ?", Blob{update.node().SerializeAsString()},
                update.node_id());
    }
    if (update.status() == v1::NODE_STATUS_DELETED) {
        db_.run("DELETE FROM node_keys WHERE node_id = ?", update.node_id());
        db_.run("DELETE FROM node_metrics WHERE node_id = ?", update.node_id());
    }
    transaction.commit();
    return true;
}

void NodeStore::mark_deleted(const std::string& node_id, std::string_view failure, std::int64_t now_ms) {
    Transaction transaction(db_);
    db_.run("UPDATE nodes SET status = ?, desired = ?, failure = ?, status_at_ms = ? WHERE id = ?",
            v1::NODE_STATUS_DELETED, v1::NODE_STATUS_DELETED, failure, now_ms, node_id);
    db_.run("DELETE FROM node_keys WHERE node_id = ?", node_id);
    db_.run("DELETE FROM node_metrics WHERE node_id = ?", node_id);
    transaction.commit();
}

}  // namespace bv::api
