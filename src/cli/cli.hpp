#pragma once

#include <CLI/CLI.hpp>

#include "cli/cli_context.hpp"
#include "cli/commands.hpp"

namespace bv::cli {

// bv's command line: every command and option, bound to the context and the action they fill.
struct CliCommandLine : CLI::App {
    CliContext context;
    Action action;
    CliCommandLine();
};

// bv: the command line client of bvd.
int run_cli(int argc, const char* const* argv);

}  // namespace bv::cli
