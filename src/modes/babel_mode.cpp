#include <cstdio>

#include "common/version.hpp"
#include "modes/arguments.hpp"
#include "modes/modes.hpp"

namespace bv {

int run_babel_mode(int argc, const char* const* argv) {
    CLI::App app("babel: the agent inside a node. Maps abstract methods to the blockchain client's API.", "babel");
    app.set_version_flag("--version", std::string("blockvisor ") + kVersion);
    if (auto exit_code = parse_arguments(app, argc, argv)) return *exit_code;
    std::fputs("babel: not implemented yet\n", stderr);
    return 1;
}

}  // namespace bv
