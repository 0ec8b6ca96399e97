#include "cli/cli.hpp"
#include "modes/host_command_lines.hpp"
#include "modes/modes.hpp"

namespace bv {

std::unique_ptr<CLI::App> cli_command_line() { return std::make_unique<cli::CliCommandLine>(); }

int run_cli_mode(int argc, const char* const* argv) { return cli::run_cli(argc, argv); }

}  // namespace bv
