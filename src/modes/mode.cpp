#include "modes/mode.hpp"

#include <array>
#include <csignal>
#include <cstdio>
#include <filesystem>

#include "common/version.hpp"

namespace bv {
namespace {

constexpr std::array<ModeName, 5> kHostModes{{
    {"bvd", Mode::daemon, "the host daemon"},
    {"blockvisord", Mode::daemon, ""},
    {"bv", Mode::cli, "the command line client of the daemon"},
    {"bv-installer", Mode::installer, "installs a downloaded bundle (self update)"},
    {"bv-api", Mode::api, "the reference control plane (development, tests, small fleets)"},
}};

constexpr std::array<ModeName, 2> kNodeModes{{
    {"babel", Mode::babel, "the agent inside a node"},
    {"babelsup", Mode::babelsup, "the supervisor inside a node (its PID 1)"},
}};

std::optional<Mode> mode_named(const Program& program, std::string_view name) {
    for (const auto& mode_name : program.modes) {
        if (mode_name.name == name) return mode_name.mode;
    }
    return std::nullopt;
}

}  // namespace

const Program& host_program() {
    static const Program program{"blockvisor", kHostModes};
    return program;
}

const Program& node_program() {
    static const Program program{"bv-node", kNodeModes};
    return program;
}

std::optional<ModeSelection> select_mode(const Program& program, std::span<const char* const> argv) {
    if (argv.empty() || argv[0] == nullptr) return std::nullopt;
    const auto called_as = std::filesystem::path(argv[0]).filename().string();
    if (auto mode = mode_named(program, called_as)) return ModeSelection{*mode, 0};
    if (argv.size() >= 2 && argv[1] != nullptr) {
        if (auto mode = mode_named(program, argv[1])) return ModeSelection{*mode, 1};
    }
    return std::nullopt;
}

std::string mode_names_help(const Program& program) {
    std::string help = "usage: " + std::string(program.name) +
                       " <mode> [args...], or call it through a link named after the mode\nmodes:\n";
    for (std::size_t i = 0; i < program.modes.size(); ++i) {
        const auto& first = program.modes[i];
        if (first.summary.empty()) continue;
        std::string names(first.name);
        // The other names of this mode follow it in the table.
        for (std::size_t j = i + 1; j < program.modes.size() && program.modes[j].summary.empty(); ++j) {
            names += ", " + std::string(program.modes[j].name);
        }
        names.resize(std::max<std::size_t>(names.size() + 1, 19), ' ');
        help += "  " + names + std::string(first.summary) + "\n";
    }
    return help;
}

int run_program(const Program& program, int argc, char** argv, ModeRunner run) {
    // Every mode writes to sockets whose peer may be gone: get EPIPE, not death by SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    const std::span<const char* const> arguments(argv, static_cast<std::size_t>(argc));
    const auto selection = select_mode(program, arguments);
    if (!selection) {
        const std::string_view first = argc > 1 ? argv[1] : "";
        if (first == "--version") {
            std::printf("blockvisor %s\n", kVersion);
            return 0;
        }
        const bool asked_for_help = first == "--help" || first == "-h";
        if (!asked_for_help && argc > 1) {
            std::fprintf(stderr, "%.*s: unknown mode '%s'\n", static_cast<int>(program.name.size()), program.name.data(),
                         argv[1]);
        }
        std::fputs(mode_names_help(program).c_str(), asked_for_help ? stdout : stderr);
        return asked_for_help ? 0 : 2;
    }
    return run(selection->mode, argc - selection->arguments_used, argv + selection->arguments_used);
}

}  // namespace bv
