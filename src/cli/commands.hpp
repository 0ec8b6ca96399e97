#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "cli/cli_context.hpp"

namespace bv::cli {

// What the chosen subcommand does once the whole command line is parsed; returns the exit code.
using Action = std::function<int()>;

void add_host_commands(CLI::App& app, CliContext& context, Action& action);

}  // namespace bv::cli
