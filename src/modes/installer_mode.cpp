#include <cstdio>

#include "common/version.hpp"
#include "modes/arguments.hpp"
#include "modes/modes.hpp"

namespace bv {

int run_installer_mode(int argc, const char* const* argv) {
    CLI::App app("bv-installer: installs a downloaded BlockVisor bundle (backup, switch, restart, health check, "
                 "rollback).",
                 "bv-installer");
    app.set_version_flag("--version", std::string("blockvisor ") + kVersion);
    if (auto exit_code = parse_arguments(app, argc, argv)) return *exit_code;
    std::fputs("bv-installer: self update is not implemented yet\n", stderr);
    return 1;
}

}  // namespace bv
