#include <csignal>
#include <cstdio>
#include <span>
#include <string_view>

#include "common/version.hpp"
#include "modes/mode.hpp"
#include "modes/modes.hpp"

int main(int argc, char** argv) {
    // Every mode writes to sockets whose peer may be gone: get EPIPE, not death by SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    const std::span<const char* const> arguments(argv, static_cast<std::size_t>(argc));
    const auto selection = bv::select_mode(arguments);
    if (!selection) {
        const std::string_view first = argc > 1 ? argv[1] : "";
        if (first == "--version") {
            std::printf("blockvisor %s\n", bv::kVersion);
            return 0;
        }
        const bool asked_for_help = first == "--help" || first == "-h";
        if (!asked_for_help && argc > 1) std::fprintf(stderr, "blockvisor: unknown mode '%s'\n", argv[1]);
        std::fputs(bv::mode_names_help().c_str(), asked_for_help ? stdout : stderr);
        return asked_for_help ? 0 : 2;
    }
    const int mode_argc = argc - selection->arguments_used;
    const char* const* mode_argv = argv + selection->arguments_used;
    switch (selection->mode) {
        case bv::Mode::daemon: return bv::run_daemon_mode(mode_argc, mode_argv);
        case bv::Mode::cli: return bv::run_cli_mode(mode_argc, mode_argv);
        case bv::Mode::babel: return bv::run_babel_mode(mode_argc, mode_argv);
        case bv::Mode::babelsup: return bv::run_babelsup_mode(mode_argc, mode_argv);
        case bv::Mode::installer: return bv::run_installer_mode(mode_argc, mode_argv);
    }
    return 2;
}
