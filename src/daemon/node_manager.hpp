#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "blockvisor/v1/node.pb.h"
#include "common/async_mutex.hpp"
#include "common/notifier.hpp"
#include "common/owned_tasks.hpp"
#include "daemon/event_bus.hpp"
#include "daemon/image_store.hpp"
#include "daemon/node_client.hpp"
#include "daemon/node_starter.hpp"
#include "daemon/node_store.hpp"
#include "daemon/operation_gate.hpp"
#include "daemon/operation_metrics.hpp"
#include "host/paths.hpp"
#include "machine/backend_registry.hpp"
#include "machine/machine.hpp"
#include "rpc/endpoint.hpp"

namespace bv::daemon {

struct NodeListFilter {
    bool running_only = false;
    std::string image_contains;  // of "protocol/node_type/version"; empty: any
};

struct NodeManagerOptions {
    std::filesystem::path node_binary;  // bv-node: babel and babelsup of every node
    std::string node_binary_sha256;
    std::string bridge = "bvbr0";
    machine::Accelerator accelerator = machine::Accelerator::automatic;
    std::chrono::milliseconds recovery_interval{1000};
    std::uint32_t max_recovery_attempts = 5;
};

// The one place that changes nodes, whoever asks (the CLI now, the control plane later).
// Operations on one node run one at a time, in order; different nodes proceed concurrently.
// Every operation is idempotent, and publishes lifecycle events on the bus.
class NodeManager {
public:
    // Recoveries and machine watches run in `tasks`, which the daemon finishes before this goes.
    NodeManager(asio::any_io_executor executor, HostPaths paths, ImageStore& images, const machine::BackendRegistry& backends,
                EventBus& events, OwnedTasks& tasks, NodeManagerOptions options);
    ~NodeManager();

    // Loads the node records and finds the sandboxes still running from an earlier bvd (they
    // are left untouched). Call once, before anything else.
    asio::awaitable<void> load();
    // Brings nodes whose state differs from the desired one back, with backoff per node,
    // until cancelled.
    asio::awaitable<void> run_recovery();
    // Babel brought to this bvd's bv-node in every running node (after a self update: the
    // seed's "update Babel on running nodes"), one node at a time, each as an operation of that
    // node. A node whose babel cannot be updated keeps its babel; it is logged.
    asio::awaitable<void> update_babel_in_running_nodes();

    asio::awaitable<v1::NodeInfo> create(v1::CreateNodeRequest request);
    asio::awaitable<v1::NodeInfo> start(std::string node);
    asio::awaitable<v1::NodeInfo> stop(std::string node, bool force);
    asio::awaitable<v1::NodeInfo> restart(std::string node, bool force);
    asio::awaitable<v1::NodeInfo> upgrade(std::string node, std::string image);
    // Returns the id of the deleted node.
    asio::awaitable<std::string> remove(std::string node);

    // In name order.
    std::vector<v1::NodeInfo> list() const;
    // The same into `out` (whose messages may live on an arena), only those `filter` lets by.
    void list_into(google::protobuf::RepeatedPtrField<v1::NodeInfo>& out, const NodeListFilter& filter) const;
    // What `bv node list` shows of them (ListNodesRequest.table_only): a ListNodesResponse of
    // rows alone, in protobuf's binary encoding.
    std::string encoded_rows(const NodeListFilter& filter) const;
    // Throws rpc::Error(not_found) for an unknown id or name.
    v1::NodeInfo info(std::string_view node) const;
    // The node's image config (for capabilities), whether it runs or not.
    Image image_of(std::string_view node) const;
    // A client of a running node's babelsup and babel. Throws rpc::Error(failed_precondition)
    // when the node is not running.
    NodeClient client_of_running(std::string_view node) const;
    // The control plane's side of the key exchange at nodes' first starts; none by default.
    void set_key_vault(NodeKeyVault* vault) { key_vault_ = vault; }
    // Ids of the running nodes.
    std::vector<std::string> running_nodes() const;
    // A STATUS event per node with its current status and its latest sequence: for consumers
    // of the event bus that lost events.
    std::vector<v1::NodeEvent> current_statuses() const;
    // Whether a node (running or not) is made from `image` (protocol/node_type/version).
    bool uses_image(const std::string& image) const;
    // Counts and latencies of the operations so far (for /metrics).
    const OperationMetrics& operation_metrics() const { return operation_metrics_; }
    // Closed while a self update is starting: create, start, stop, restart, upgrade and delete
    // are refused, recoveries wait.
    OperationGate& gate() { return gate_; }

    struct Node;

private:
    struct LockedNode {
        std::shared_ptr<Node> node;
        AsyncMutex::Guard guard;
    };
    std::shared_ptr<Node> find(std::string_view node) const;
    // The node, with its operations lock held.
    asio::awaitable<LockedNode> lock(const std::string& reference);
    v1::NodeInfo info_of(const Node& node) const;
    void fill_info(const Node& node, v1::NodeInfo& info) const;
    // The nodes not deleted that `filter` lets by, in name order.
    std::vector<const Node*> listed(const NodeListFilter& filter) const;
    std::shared_ptr<const Image> shared_image(Image image);
    // The nodes not deleted, in name order.
    std::vector<const Node*> nodes_by_name() const;
    // Into nodes_ and nodes_by_name_, and out of both.
    void add_node(const std::shared_ptr<Node>& node);
    void drop_node(const Node& node);
    machine::MachineSpec machine_spec(const v1::NodeRecord& record, const Image& image) const;
    v1::NodeEvent event_of(const Node& node, v1::NodeEventKind kind, std::string message) const;
    void publish(Node& node, v1::NodeEventKind kind, std::string message = {});
    void set_status(Node& node, v1::NodeStatus status, std::string failure = {});
    void save(Node& node);
    // Saves the record, and goes on when the disk refuses it: logged as failing to keep `what`.
    void save_or_log(Node& node, std::string_view what);
    // At load: a start that an earlier bvd died in (its machine at `machine`) is undone, and
    // left for recovery to make again.
    asio::awaitable<void> undo_cut_start(Node& node, const v1::MachineRecord& machine);
    // A start cut by bvd's death (its machine found running, and stopped): the node should
    // run, as its start asked.
    void record_cut_start(Node& node);
    // Starts the node (its lock held) and watches its machine from then on.
    asio::awaitable<void> start_locked(std::shared_ptr<Node> node);
    // Stops the node for good (its desired state becomes stopped); its lock held.
    asio::awaitable<void> stop_locked(Node& node, bool force);
    // Stops the node's machine and leaves its desired state alone (restart, upgrade, recovery).
    asio::awaitable<void> stop_machine_locked(Node& node, bool force);
    // Clears the record's machine (it stopped); a record that cannot be saved is logged.
    void forget_machine(Node& node);
    // Kills the machine of a node whose start is in progress; `by` names who (a forced stop,
    // a delete) for the start's error.
    void cut_start_short(Node& node, std::string_view by);
    // Records what the node should be, and goes on (logged) when the disk refuses the record.
    void set_desired(Node& node, v1::NodeStatus desired);
    asio::awaitable<void> recover(std::shared_ptr<Node> node);
    void watch_machine(const std::shared_ptr<Node>& node);
    asio::awaitable<void> watch(std::shared_ptr<Node> node);
    void check_create_request(const v1::CreateNodeRequest& request, const Image& image) const;
    static bool same_create(const Node& node, const v1::CreateNodeRequest& request);
    asio::awaitable<v1::NodeInfo> answer_repeated_create(std::shared_ptr<Node> node, const v1::CreateNodeRequest& request);
    void check_resources(const babel::BabelConfig& config) const;
    // Sandboxes on the host network cannot share the ports their images declare.
    void check_host_ports(const Node& node) const;
    // A VM's node channel link that no other node has.
    std::uint32_t free_channel_link() const;
    std::unique_ptr<machine::Machine> make_machine(const v1::NodeRecord& record, const Image& image) const;

    asio::any_io_executor executor_;
    OwnedTasks& tasks_;
    HostPaths paths_;
    ImageStore& images_;
    const machine::BackendRegistry& backends_;
    EventBus& events_;
    NodeManagerOptions options_;
    NodeStore store_;
    // By id, and in name order (then id: a deleted node's name can be taken again before it
    // goes) for lists, which sorting at each one cost a fifth of.
    std::map<std::string, std::shared_ptr<Node>> nodes_;
    struct NameOrder {
        bool operator()(const Node* left, const Node* right) const;
    };
    std::set<const Node*, NameOrder> nodes_by_name_;
    // name -> the one copy its nodes share (shared_image)
    std::map<std::string, std::weak_ptr<const Image>> image_copies_;
    Notifier recovery_wanted_;
    std::uint64_t last_sequence_;
    NodeKeyVault* key_vault_ = nullptr;
    OperationMetrics operation_metrics_;
    OperationGate gate_;
};

}  // namespace bv::daemon
