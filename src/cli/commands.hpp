#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "cli/cli_context.hpp"

namespace bv::cli {

// What the chosen subcommand does once the whole command line is parsed; returns the exit code.
using Action = std::function<int()>;
// run_against_daemon, or run_until_interrupted for commands that follow a stream.
using DaemonRunner = int (*)(const CliContext&, DaemonCommand);
// Checks a subcommand's arguments together once they are parsed; throws CLI::ValidationError.
using ArgumentCheck = std::function<void()>;

// Adds a subcommand that runs `command` against bvd. `check` runs while the command line is
// parsed, so that what it rejects is a usage error (exit code 2).
CLI::App* add_daemon_command(CLI::App& parent, const std::string& name,
                             const std::string& description, const CliContext& context,
                             Action& action, DaemonCommand command, ArgumentCheck check = {},
                             DaemonRunner runner = run_against_daemon);

// The DaemonCommand that runs `run` with a subcommand's parsed arguments; `arguments` is
// shared with the options that fill it.
template <class Arguments>
DaemonCommand with_arguments(const CliContext& context, std::shared_ptr<Arguments> arguments,
                             asio::awaitable<void> (*run)(const CliContext&, const Arguments&,
                                                          rpc::ConnectClient&)) {
    return [&context, arguments, run](rpc::ConnectClient& client) {
        return run(context, *arguments, client);
    };
}

void add_host_commands(CLI::App& app, CliContext& context, Action& action);
// bv init, bv host status.
void add_control_plane_commands(CLI::App& app, CLI::App& host, CliContext& context, Action& action);
// bv node ...: node_commands.cpp adds the node's views, and calls
// add_node_lifecycle_commands (create, start, stop, restart, upgrade, delete).
void add_node_commands(CLI::App& app, CliContext& context, Action& action);
void add_node_lifecycle_commands(CLI::App& node, CliContext& context, Action& action);
void add_image_commands(CLI::App& app, CliContext& context, Action& action);
// bv completion SHELL, and the hidden bv __complete nodes|images its scripts call.
void add_completion_commands(CLI::App& app, CliContext& context, Action& action);

}  // namespace bv::cli
