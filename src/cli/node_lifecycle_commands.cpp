// bv node create | start | stop | restart | upgrade | delete: the calls that change a node.

#include <fmt/format.h>

#include <cstdio>
#include <map>
#include <memory>

#include "blockvisor/v1/node.pb.h"
#include "cli/commands.hpp"
#include "cli/node_arguments.hpp"
#include "cli/output.hpp"
#include "rpc/error.hpp"

namespace bv::cli {
namespace {

namespace v1 = blockvisor::v1;

struct LifecycleArguments {
    std::vector<std::string> nodes;  // ids or names, as typed
    std::string node;                // upgrade's one node
    bool force = false;
    std::string image;
    std::string name;
    std::string id;
    std::vector<std::string> properties;  // k=v
    std::string network_mode = "host";
    std::string ip;
    std::string gateway;
    std::string backend;  // empty: the host's default
    // Made from the options above while parsing, so that mistakes are usage errors.
    std::map<std::string, std::string> property_values;
    v1::NodeNetwork network;
};

// One NodeService call applied to nodes one by one.
struct NodeOperation {
    const char* procedure;
    const char* verb;  // "start": in error messages
    const char* done;  // "started": the line printed per node
};

constexpr NodeOperation kStart{"blockvisor.v1.NodeService/Start", "start", "started"};
constexpr NodeOperation kStop{"blockvisor.v1.NodeService/Stop", "stop", "stopped"};
constexpr NodeOperation kRestart{"blockvisor.v1.NodeService/Restart", "restart", "restarted"};
constexpr NodeOperation kDelete{"blockvisor.v1.NodeService/Delete", "delete", "deleted"};
constexpr NodeOperation kUpgrade{"blockvisor.v1.NodeService/Upgrade", "upgrade", "upgraded"};

const std::vector<std::string> kBackendOptions{"sandbox", "qemu", "firecracker"};

v1::MachineBackend backend_of_option(const std::string& backend) {
    if (backend == "sandbox") return v1::MACHINE_BACKEND_SANDBOX;
    if (backend == "qemu") return v1::MACHINE_BACKEND_QEMU;
    if (backend == "firecracker") return v1::MACHINE_BACKEND_FIRECRACKER;
    return v1::MACHINE_BACKEND_UNSPECIFIED;
}

v1::NodeRef node_ref(const std::string& node) {
    v1::NodeRef ref;
    ref.set_node(node);
    return ref;
}

// Calls `operation` on each node in turn and prints one line per node (--json: the response).
// A node that fails is reported on stderr and the others still go; the command then ends with
// FailureReported (exit code 1). An unreachable bvd, or one without the method, ends it at
// once: the next node would only fail the same way.
template <class Response, class RequestFor>
asio::awaitable<void> on_each_node(const CliContext& context, rpc::ConnectClient& client,
                                   NodeOperation operation, const std::vector<std::string>& nodes,
                                   RequestFor request_for) {
    bool failed = false;
    for (const auto& node : nodes) {
        try {
            auto request = request_for(node);
            const auto response = co_await client.call<Response>(
                operation.procedure, std::move(request), context.long_timeout);
            print_report(context.json, context.quiet, response,
                         [&](const Response&) { fmt::print("{} {}\n", operation.done, node); });
        } catch (const rpc::Error& error) {
            if (is_daemon_unreachable(context, error) || error.code() == rpc::Code::unimplemented)
                throw;
            fmt::print(stderr, "bv: cannot {} {}: {}\n", operation.verb, node, error.what());
            failed = true;
        }
        // Each node's line now, in order with the errors on stderr.
        std::fflush(stdout);
    }
    if (failed) throw FailureReported();
}

// The nodes named on the command line, or every node on the host when none is.
asio::awaitable<std::vector<std::string>> named_or_all_nodes(const CliContext& context,
                                                             rpc::ConnectClient& client,
                                                             std::vector<std::string> nodes) {
    if (!nodes.empty()) co_return nodes;
    const auto list = co_await client.call<v1::ListNodesResponse>(
        "blockvisor.v1.NodeService/List", v1::ListNodesRequest(), context.timeout);
    for (const auto& node : list.nodes())
        nodes.push_back(node.name().empty() ? node.id() : node.name());
    if (nodes.empty() && !context.json && !context.quiet) fmt::print("no nodes\n");
    co_return nodes;
}

asio::awaitable<void> create_node(const CliContext& context, const LifecycleArguments& arguments,
                                  rpc::ConnectClient& client) {
    v1::CreateNodeRequest request;
    request.set_image(arguments.image);
    request.set_name(arguments.name);
    request.set_id(arguments.id);
    request.mutable_properties()->insert(arguments.property_values.begin(),
                                         arguments.property_values.end());
    *request.mutable_network() = arguments.network;
    request.set_backend(backend_of_option(arguments.backend));
    const auto node = co_await client.call<v1::NodeInfo>("blockvisor.v1.NodeService/Create",
                                                         std::move(request), context.long_timeout);
    // --quiet: the id alone, for scripts (id=$(bv node create IMAGE --quiet)).
    print_message(context.json, node, [&context](const v1::NodeInfo& created) {
        if (context.quiet) {
            fmt::print("{}\n", created.id());
        } else {
            fmt::print("created node {} ({})\n", created.id(), created.name());
        }
    });
}

asio::awaitable<void> start_nodes(const CliContext& context, const LifecycleArguments& arguments,
                                  rpc::ConnectClient& client) {
    const auto nodes = co_await named_or_all_nodes(context, client, arguments.nodes);
    co_await on_each_node<v1::NodeInfo>(context, client, kStart, nodes, node_ref);
}

// Stop and Restart take the same request.
asio::awaitable<void> stop_or_restart_nodes(const CliContext& context,
                                            const LifecycleArguments& arguments,
                                            rpc::ConnectClient& client, NodeOperation operation) {
    const auto nodes = co_await named_or_all_nodes(context, client, arguments.nodes);
    const auto stop_request = [&arguments](const std::string& node) {
        v1::StopNodeRequest request;
        request.set_node(node);
        request.set_force(arguments.force);
        return request;
    };
    co_await on_each_node<v1::NodeInfo>(context, client, operation, nodes, stop_request);
}

asio::awaitable<void> stop_nodes(const CliContext& context, const LifecycleArguments& arguments,
                                 rpc::ConnectClient& client) {
    return stop_or_restart_nodes(context, arguments, client, kStop);
}

asio::awaitable<void> restart_nodes(const CliContext& context, const LifecycleArguments& arguments,
                                    rpc::ConnectClient& client) {
    return stop_or_restart_nodes(context, arguments, client, kRestart);
}

asio::awaitable<void> delete_nodes(const CliContext& context, const LifecycleArguments& arguments,
                                   rpc::ConnectClient& client) {
    co_await on_each_node<v1::DeleteNodeResponse>(context, client, kDelete, arguments.nodes,
                                                  node_ref);
}

asio::awaitable<void> upgrade_node(const CliContext& context, const LifecycleArguments& arguments,
                                   rpc::ConnectClient& client) {
    const auto upgrade_request = [&arguments](const std::string& node) {
        v1::UpgradeNodeRequest request;
        request.set_node(node);
        request.set_image(arguments.image);
        return request;
    };
    const std::vector<std::string> nodes{arguments.node};
    co_await on_each_node<v1::NodeInfo>(context, client, kUpgrade, nodes, upgrade_request);
}

void add_create_command(CLI::App& node, CliContext& context, Action& action) {
    auto arguments = std::make_shared<LifecycleArguments>();
    const auto check = [arguments] {
        arguments->property_values = parse_key_values("--props", arguments->properties);
        arguments->network =
            node_network_of_options(arguments->network_mode, arguments->ip, arguments->gateway);
    };
    auto* create = add_daemon_command(
        node, "create", "Create a node from an image in the cache (prints its id and name)",
        context, action, with_arguments(context, arguments, create_node), check);
    create
        ->add_option("IMAGE", arguments->image,
                     "Image as protocol/node_type/version (see 'bv image list')")
        ->required();
    create->add_option("--name", arguments->name,
                       "Name of the node (default: generated, e.g. calm-river-7)");
    create->add_option("--id", arguments->id,
                       "Id of the node, a UUID (default: generated); creating an existing id again with the "
                       "same image, name, properties and network answers with that node");
    create->add_option("--props", arguments->properties, "Properties of the node (repeatable)")
        ->type_name("KEY=VALUE");
    create
        ->add_option("--network", arguments->network_mode,
                     "host: the host's network; bridge: an address of its own")
        ->check(CLI::IsMember({"host", "bridge"}))
        ->capture_default_str();
    create->add_option("--ip", arguments->ip,
                       "IP address of the node (only with --network bridge)");
    create->add_option("--gateway", arguments->gateway,
                       "Gateway of the node (only with --network bridge)");
    create
        ->add_option("--backend", arguments->backend,
                     "What isolates the node: sandbox (namespaces), qemu or firecracker (a VM); default: the "
                     "host config's backend")
        ->check(CLI::IsMember(kBackendOptions));
}

}  // namespace

void add_node_lifecycle_commands(CLI::App& node, CliContext& context, Action& action) {
    add_create_command(node, context, action);

    auto arguments = std::make_shared<LifecycleArguments>();
    const auto command = [&context, arguments](auto run) {
        return with_arguments(context, arguments, run);
    };
    add_daemon_command(node, "start", "Start nodes, one after the other", context, action,
                       command(start_nodes))
        ->add_option("ID_OR_NAME", arguments->nodes,
                     "Ids or names of the nodes (default: every node)");
    add_daemon_command(node, "stop", "Stop nodes, one after the other", context, action,
                       command(stop_nodes))
        ->add_option("ID_OR_NAME", arguments->nodes,
                     "Ids or names of the nodes (default: every node)");
    add_daemon_command(node, "restart", "Restart nodes, one after the other", context, action,
                       command(restart_nodes))
        ->add_option("ID_OR_NAME", arguments->nodes, "Ids or names of the nodes")
        ->required();
    for (auto* stop : {node.get_subcommand("stop"), node.get_subcommand("restart")}) {
        stop->add_flag("--force", arguments->force,
                       "Kill the node's processes instead of stopping them gracefully");
    }
    add_daemon_command(node, "delete", "Delete nodes and their data, one after the other", context,
                       action, command(delete_nodes))
        ->add_option("ID_OR_NAME", arguments->nodes, "Ids or names of the nodes")
        ->required();

    auto* upgrade =
        add_daemon_command(node, "upgrade", "Move a node to another version of its image", context,
                           action, command(upgrade_node));
    upgrade->add_option("ID_OR_NAME", arguments->node, "Id or name of the node")->required();
    upgrade->add_option("IMAGE", arguments->image, "The new image, as protocol/node_type/version")
        ->required();
}

}  // namespace bv::cli
