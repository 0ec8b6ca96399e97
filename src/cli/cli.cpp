#include "cli/cli.hpp"

#include "common/version.hpp"
#include "modes/arguments.hpp"

namespace bv::cli {

CliCommandLine::CliCommandLine()
    : CLI::App("bv: the command line client of the BlockVisor daemon (bvd) on this host.", "bv") {
    set_version_flag("--version", std::string("blockvisor ") + kVersion);
    // Options such as --json may come after the subcommand.
    fallthrough();
    require_subcommand(1);
    add_option("--root", context.root, "Root prefix of the host (default: $BV_ROOT, else /)")->type_name("DIR");
    add_option("--socket", context.socket, "Path of bvd's socket (default: <root>/run/blockvisor/bvd.sock)")
        ->type_name("FILE");
    add_flag("--json", context.json, "Print results as JSON (protobuf JSON of the API's messages)");
    add_flag("-q,--quiet", context.quiet,
             "Print nothing on success but what a script needs (node create: the id); errors still go to stderr");

    add_host_commands(*this, context, action);
    add_node_commands(*this, context, action);
    add_image_commands(*this, context, action);
    add_completion_commands(*this, context, action);
}

int run_cli(int argc, const char* const* argv) {
    CliCommandLine command_line;
    if (auto exit_code = parse_arguments(command_line, argc, argv)) return *exit_code;
    return command_line.action ? command_line.action() : 2;
}

}  // namespace bv::cli
