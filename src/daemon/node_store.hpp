#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "blockvisor/v1/node.pb.h"
#include "common/files.hpp"

namespace bv::daemon {

namespace v1 = blockvisor::v1;

// Node records on disk: <nodes_dir>/<id>/node.json, written only by the node manager.
//
// A node directory appears in one rename, when it is complete (it is built as
// .creating-<id>), and disappears in one rename (to .deleting-<id>) before it is removed: a
// crash at any point leaves a node whole or not there at all. Leftovers of both are
// cleared at start.
class NodeStore {
public:
    explicit NodeStore(std::filesystem::path nodes_dir) : nodes_dir_(std::move(nodes_dir)) {}

    struct Loaded {
        std::vector<v1::NodeRecord> records;
        std::vector<std::string> broken;  // "<dir>: why", for directories that hold no valid record
    };
    Loaded load_all() const;
    // Removes what crashed creates, deletes and record writes left behind.
    void remove_leftovers() const;

    std::filesystem::path node_dir(const std::string& id) const { return nodes_dir_ / id; }
    // Where a new node is built before it becomes visible with publish().
    std::filesystem::path staging_dir(const std::string& id) const { return nodes_dir_ / (".creating-" + id); }
    void publish(const std::string& id) const;
    void save(const v1::NodeRecord& record) const;
    // A start in progress: where its machine is, from the moment it runs until the start ends
    // (<id>/starting.json). Not synced, unlike the record: after a power loss there is no
    // machine left to find, and the record is as it was before the start. A restarted bvd that
    // finds one knows that a start was cut short.
    void save_start_in_progress(const std::string& id, const v1::MachineRecord& machine) const;
    std::optional<v1::MachineRecord> start_in_progress(const std::string& id) const;
    void clear_start_in_progress(const std::string& id) const;
    // Makes the node's directory vanish at once; its content is removed on a worker thread.
    std::filesystem::path retire(const std::string& id) const;

    static void write_record(const std::filesystem::path& dir, const v1::NodeRecord& record);

private:
    std::filesystem::path nodes_dir_;
};

}  // namespace bv::daemon
