#include "cli/cli.hpp"
#include "modes/modes.hpp"

namespace bv {

int run_cli_mode(int argc, const char* const* argv) { return cli::run_cli(argc, argv); }

}  // namespace bv
