#include <cstdio>

#include "common/version.hpp"
#include "modes/arguments.hpp"
#include "modes/modes.hpp"

namespace bv {

int run_babelsup_mode(int argc, const char* const* argv) {
    CLI::App app("babelsup: the supervisor inside a node (its PID 1). Runs the blockchain client and babel.",
                 "babelsup");
    app.set_version_flag("--version", std::string("blockvisor ") + kVersion);
    if (auto exit_code = parse_arguments(app, argc, argv)) return *exit_code;
    std::fputs("babelsup: not implemented yet\n", stderr);
    return 1;
}

}  // namespace bv
