#pragma once

#include <CLI/CLI.hpp>
#include <optional>

namespace bv {

// Parses the command line of a mode. Returns the exit code when the process is done
// (--help and --version: 0; usage errors: 2, with the error and a hint on stderr), or
// nullopt when the mode should run.
std::optional<int> parse_arguments(CLI::App& app, int argc, const char* const* argv);

}  // namespace bv
