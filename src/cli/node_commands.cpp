// bv node list | status | info | logs | keys | capabilities | run | metrics | watch: the calls
// that look at a node or talk to its blockchain. The calls that change a node are in
// node_lifecycle_commands.cpp.

#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>

#include "blockvisor/v1/node.pb.h"
#include "rpc/message_codec.hpp"
#include "rpc/on_arena.hpp"
#include "cli/commands.hpp"
#include "cli/node_arguments.hpp"
#include "cli/node_view.hpp"
#include "cli/output.hpp"

namespace bv::cli {
namespace {

namespace v1 = blockvisor::v1;

struct NodeArguments {
    std::string node;  // id or name, as typed
    bool running_only = false;
    std::string image_filter;
    bool follow = false;
    std::uint32_t lines = 0;
    std::string method;
    std::vector<std::string> params;  // k=v
    std::uint32_t timeout_ms = 0;
    // Made from `params` while parsing, so that mistakes are usage errors.
    std::map<std::string, std::string> param_values;
};

// How much longer than the method's own timeout bv waits for `bv node run`: the time for bvd
// to reach babel and answer.
constexpr std::chrono::milliseconds kRunMargin{5'000};

// `bv node status|info|keys|capabilities|metrics ID_OR_NAME`: one NodeService call with a
// NodeRef, printed by `print_text` (or as JSON).
template <class Response>
asio::awaitable<void> show_node_view(const CliContext& context, const NodeArguments& arguments,
                                     rpc::ConnectClient& client, const char* method,
                                     void (*print_text)(const Response&)) {
    v1::NodeRef ref;
    ref.set_node(arguments.node);
    const auto response = co_await client.call<Response>(
        fmt::format("blockvisor.v1.NodeService/{}", method), std::move(ref), context.timeout);
    print_message(context.json, response, print_text);
}

void print_status(const v1::NodeInfo& node) {
    fmt::print("{}\n", node_status_line(node));
}

void print_info(const v1::NodeInfo& node) {
    print_fields(node_info_fields(node));
}

void print_keys(const v1::NodeKeysResponse& keys) {
    // Sizes only: key contents are secrets and do not belong on a terminal.
    std::vector<std::vector<std::string>> rows;
    for (const auto& key : keys.keys())
        rows.push_back({key.name(), format_bytes(key.content().size())});
    print_table({"NAME", "SIZE"}, rows);
}

void print_capabilities(const v1::CapabilitiesResponse& capabilities) {
    for (const auto& method : capabilities.methods()) fmt::print("{}\n", method);
}

void print_metrics(const v1::NodeMetrics& metrics) {
    print_fields(node_metrics_fields(metrics));
}

asio::awaitable<void> list_nodes(const CliContext& context, const NodeArguments& arguments,
                                 rpc::ConnectClient& client) {
    v1::ListNodesRequest request;
    request.set_running_only(arguments.running_only);
    request.set_image_filter(arguments.image_filter);
    request.set_table_only(!context.json);
    const auto body = co_await client.call_raw("blockvisor.v1.NodeService/List",
                                               rpc::encode_message(request, rpc::Codec::proto), context.timeout);
    // Parsed on an arena: at 1,000 nodes, a heap allocation and free per field was a third of
    // the command.
    const auto parsed = rpc::OnArena<v1::ListNodesResponse>::make();
    auto& list = *parsed.message;
    rpc::decode_message(body, rpc::Codec::proto, list);
    print_message(context.json, list, [](const v1::ListNodesResponse& nodes) {
        print_table_cells(node_table_header(), node_table(nodes.rows()).cells);
    });
}

// Prints each message of a server stream as it arrives, until the stream ends.
template <class Message, class PrintText>
asio::awaitable<void> print_stream(const CliContext& context, rpc::MessageStream<Message> stream,
                                   PrintText print_text) {
    for (;;) {
        // Not in the loop's condition: compilers have miscompiled co_await there (g++ 12).
        auto message = co_await stream.next();
        if (!message) break;
        print_message(context.json, *message, print_text);
        // Each message when it arrives, also into a pipe.
        std::fflush(stdout);
    }
}

// Runs until the log ends or, with --follow, until Ctrl-C (run_until_interrupted).
asio::awaitable<void> show_logs(const CliContext& context, const NodeArguments& arguments,
                                rpc::ConnectClient& client) {
    v1::NodeLogsRequest request;
    request.set_node(arguments.node);
    request.set_lines(arguments.lines);
    request.set_follow(arguments.follow);
    const auto timeout = arguments.follow ? rpc::kNoTimeout : context.timeout;
    auto stream = co_await client.open_stream<v1::NodeLogsResponse>(
        "blockvisor.v1.NodeService/Logs", std::move(request), timeout);
    co_await print_stream(context, std::move(stream), [](const v1::NodeLogsResponse& response) {
        for (const auto& line : response.lines())
            fmt::print("{}: {}\n", line.source(), line.text());
    });
}

asio::awaitable<void> run_method(const CliContext& context, const NodeArguments& arguments,
                                 rpc::ConnectClient& client) {
    v1::RunMethodRequest request;
    request.set_node(arguments.node);
    request.set_method(arguments.method);
    request.mutable_params()->insert(arguments.param_values.begin(), arguments.param_values.end());
    request.set_timeout_ms(arguments.timeout_ms);
    const auto timeout = arguments.timeout_ms > 0
                             ? std::chrono::milliseconds(arguments.timeout_ms) + kRunMargin
                             : context.timeout;
    const auto result = co_await client.call<v1::RunMethodResponse>("blockvisor.v1.NodeService/Run",
                                                                    std::move(request), timeout);
    print_message(context.json, result, [](const v1::RunMethodResponse& answer) {
        // The value alone, so that scripts can use it: height=$(bv node run eth-1 height)
        const auto& value = answer.value();
        fmt::print("{}{}", value, value.ends_with('\n') ? "" : "\n");
    });
}

// Runs until Ctrl-C (run_until_interrupted).
asio::awaitable<void> watch_nodes(const CliContext& context, const NodeArguments& arguments,
                                  rpc::ConnectClient& client) {
    v1::WatchRequest request;
    request.set_node(arguments.node);
    auto stream = co_await client.open_stream<v1::NodeEvent>("blockvisor.v1.NodeService/Watch",
                                                             std::move(request), rpc::kNoTimeout);
    co_await print_stream(context, std::move(stream), [](const v1::NodeEvent& event) {
        fmt::print("{}\n", node_event_line(event));
    });
}

}  // namespace

void add_node_commands(CLI::App& app, CliContext& context, Action& action) {
    auto* node = app.add_subcommand(
        "node", "Nodes on this host: create, start, stop, inspect, talk to them");
    node->require_subcommand(1);
    add_node_lifecycle_commands(*node, context, action);

    auto arguments = std::make_shared<NodeArguments>();
    const auto command = [&context, arguments](auto run) {
        return with_arguments(context, arguments, run);
    };
    // The subcommands about one node: `bv node SUBCOMMAND ID_OR_NAME ...`.
    const auto add_node_command = [&](const char* name, const char* description,
                                      DaemonCommand daemon_command, ArgumentCheck check = {},
                                      DaemonRunner runner = run_against_daemon) {
        auto* subcommand = add_daemon_command(*node, name, description, context, action,
                                              std::move(daemon_command), check, runner);
        subcommand->add_option("ID_OR_NAME", arguments->node, "Id or name of the node")->required();
        return subcommand;
    };

    auto* list = add_daemon_command(*node, "list",
                                    "The nodes as a table (just the header when there are none)",
                                    context, action, command(list_nodes));
    list->add_flag("--running", arguments->running_only, "Only running nodes");
    list->add_option("--image", arguments->image_filter,
                     "Only nodes whose image contains this text")
        ->type_name("IMAGE");

    const auto add_view_command = [&]<class Response>(const char* name, const char* description,
                                                      const char* method,
                                                      void (*print_text)(const Response&)) {
        add_node_command(name, description,
                         [&context, arguments, method, print_text](rpc::ConnectClient& client) {
                             return show_node_view(context, *arguments, client, method, print_text);
                         });
    };
    add_view_command("status", "The node's status: running, stopped, failed (reason), ...", "Get",
                     print_status);
    add_view_command("info", "Everything bvd knows about the node", "Get", print_info);
    add_view_command("keys", "The node's keys: names and sizes (--json: contents, base64)", "Keys",
                     print_keys);
    add_view_command("capabilities", "The methods of the node's image, one per line",
                     "Capabilities", print_capabilities);
    add_view_command("metrics",
                     "The node's well-known values (height, peers, ...) as last collected",
                     "Metrics", print_metrics);

    auto* logs = add_node_command("logs", "The node's log, one 'source: text' line each",
                                  command(show_logs), {}, run_until_interrupted);
    logs->add_flag("-f,--follow", arguments->follow, "Keep printing new lines until Ctrl-C");
    logs->add_option("-n,--lines", arguments->lines,
                     "Only the last N lines (default: as many as bvd keeps)")
        ->type_name("N");

    const auto check_params = [arguments] {
        arguments->param_values = parse_key_values("--param", arguments->params);
    };
    auto* run =
        add_node_command("run", "Run a method of the node's image and print its value alone",
                         command(run_method), check_params);
    run->add_option("METHOD", arguments->method, "The method (see 'bv node capabilities')")
        ->required();
    run->add_option("--param", arguments->params, "Parameters of the method (repeatable)")
        ->type_name("KEY=VALUE");
    run->add_option("--timeout", arguments->timeout_ms,
                    "Milliseconds the method may take (default: bvd's)")
        ->type_name("MS");

    add_daemon_command(*node, "watch",
                       "Lifecycle events as they happen, until Ctrl-C: TIME NAME EVENT MESSAGE",
                       context, action, command(watch_nodes), {}, run_until_interrupted)
        ->add_option("ID_OR_NAME", arguments->node, "Id or name of a node (default: every node)");
}

}  // namespace bv::cli
