#include "cli/cli.hpp"

#include <cstdio>

#include "cli/commands.hpp"
#include "common/version.hpp"
#include "modes/arguments.hpp"

namespace bv::cli {

int run_cli(int argc, const char* const* argv) {
    CLI::App app("bv: the command line client of the BlockVisor daemon (bvd) on this host.", "bv");
    app.set_version_flag("--version", std::string("blockvisor ") + kVersion);
    // Options such as --json may come after the subcommand.
    app.fallthrough();
    app.require_subcommand(1);
    CliContext context;
    app.add_option("--root", context.root, "Root prefix of the host (default: $BV_ROOT, else /)");
    app.add_option("--socket", context.socket, "Path of bvd's socket (default: <root>/run/blockvisor/bvd.sock)");
    app.add_flag("--json", context.json, "Print results as JSON (protobuf JSON of the API's messages)");

    Action action;
    add_host_commands(app, context, action);
    add_node_commands(app, context, action);
    add_image_commands(app, context, action);
    if (auto exit_code = parse_arguments(app, argc, argv)) return *exit_code;
    return action ? action() : 2;
}

}  // namespace bv::cli
