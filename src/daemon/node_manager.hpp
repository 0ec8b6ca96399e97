#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "blockvisor/v1/node.pb.h"
#include "common/owned_tasks.hpp"
#include "common/async_mutex.hpp"
#include "common/notifier.hpp"
#include "common/paths.hpp"
#include "daemon/event_bus.hpp"
#include "daemon/image_store.hpp"
#include "daemon/node_store.hpp"
#include "machine/machine.hpp"
#include "rpc/endpoint.hpp"

namespace bv::daemon {

struct NodeManagerOptions {
    std::filesystem::path babel_binary;  // this binary: babel and babelsup of every node
    std::string babel_sha256;
    std::string bridge = "bvbr0";
    std::chrono::milliseconds recovery_interval{1000};
    std::uint32_t max_recovery_attempts = 5;
};

// The one place that changes nodes, whoever asks (the CLI now, the control plane later).
// Operations on one node run one at a time, in order; different nodes proceed concurrently.
// Every operation is idempotent, and publishes lifecycle events on the bus.
class NodeManager {
public:
    // Recoveries and machine watches run in `tasks`, which the daemon finishes before this goes.
    NodeManager(asio::any_io_executor executor, HostPaths paths, ImageStore& images, machine::MachineBackend& backend,
                EventBus& events, OwnedTasks& tasks, NodeManagerOptions options);
    ~NodeManager();

    // Loads the node records and finds the sandboxes still running from an earlier bvd (they
    // are left untouched). Call once, before anything else.
    asio::awaitable<void> load();
    // Brings nodes whose state differs from the desired one back, with backoff per node,
    // until cancelled.
    asio::awaitable<void> run_recovery();

    asio::awaitable<v1::NodeInfo> create(v1::CreateNodeRequest request);
    asio::awaitable<v1::NodeInfo> start(std::string node);
    asio::awaitable<v1::NodeInfo> stop(std::string node, bool force);
    asio::awaitable<v1::NodeInfo> restart(std::string node, bool force);
    asio::awaitable<v1::NodeInfo> upgrade(std::string node, std::string image);
    // Returns the id of the deleted node.
    asio::awaitable<std::string> remove(std::string node);

    std::vector<v1::NodeInfo> list() const;
    // Throws rpc::Error(not_found) for an unknown id or name.
    v1::NodeInfo info(std::string_view node) const;
    // The node's image config (for capabilities), whether it runs or not.
    Image image_of(std::string_view node) const;
    // Where babel / babelsup of a running node answer. Throws rpc::Error(failed_precondition)
    // when the node is not running.
    rpc::Endpoint babel_endpoint(std::string_view node) const;
    rpc::Endpoint babelsup_endpoint(std::string_view node) const;
    // Ids of the running nodes.
    std::vector<std::string> running_nodes() const;
    // Whether a node (running or not) is made from `image` (protocol/node_type/version).
    bool uses_image(const std::string& image) const;

    struct Node;

private:
    struct LockedNode {
        std::shared_ptr<Node> node;
        AsyncMutex::Guard guard;
    };
    std::shared_ptr<Node> find(std::string_view node) const;
    rpc::Endpoint channel_of_running(std::string_view node, std::uint32_t port) const;
    // The node, with its operations lock held.
    asio::awaitable<LockedNode> lock(const std::string& reference);
    v1::NodeInfo info_of(const Node& node) const;
    machine::MachineSpec machine_spec(const v1::NodeRecord& record, const Image& image) const;
    void publish(const Node& node, std::string_view event, std::string message = {});
    void set_status(Node& node, v1::NodeStatus status, std::string failure = {});
    void save(Node& node);
    // Starts the node (its lock held) and watches its machine from then on.
    asio::awaitable<void> start_locked(std::shared_ptr<Node> node);
    // Stops the node for good (its desired state becomes stopped); its lock held.
    asio::awaitable<void> stop_locked(Node& node, bool force);
    // Stops the node's machine and leaves its desired state alone (restart, upgrade, recovery).
    asio::awaitable<void> stop_machine_locked(Node& node, bool force);
    // Kills the machine of a node whose start is in progress; `by` names who (a forced stop,
    // a delete) for the start's error.
    void cut_start_short(Node& node, std::string_view by);
    // Records what the node should be, and goes on (logged) when the disk refuses the record.
    void set_desired(Node& node, v1::NodeStatus desired);
    asio::awaitable<void> recover(std::shared_ptr<Node> node);
    void watch_machine(const std::shared_ptr<Node>& node);
    asio::awaitable<void> watch(std::shared_ptr<Node> node);
    void check_create_request(const v1::CreateNodeRequest& request, const Image& image) const;
    void check_resources(const babel::BabelConfig& config) const;
    // Nodes on the host network cannot share the ports their images declare.
    void check_host_ports(const Node& node) const;

    asio::any_io_executor executor_;
    OwnedTasks& tasks_;
    HostPaths paths_;
    ImageStore& images_;
    machine::MachineBackend& backend_;
    EventBus& events_;
    NodeManagerOptions options_;
    NodeStore store_;
    std::map<std::string, std::shared_ptr<Node>> nodes_;
    Notifier recovery_wanted_;
};

}  // namespace bv::daemon
