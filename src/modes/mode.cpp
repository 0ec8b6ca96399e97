#include "modes/mode.hpp"

#include <array>
#include <filesystem>
#include <utility>

namespace bv {
namespace {

constexpr std::array<std::pair<std::string_view, Mode>, 6> kModeNames{{
    {"bvd", Mode::daemon},
    {"blockvisord", Mode::daemon},
    {"bv", Mode::cli},
    {"babel", Mode::babel},
    {"babelsup", Mode::babelsup},
    {"bv-installer", Mode::installer},
}};

std::optional<Mode> mode_named(std::string_view name) {
    for (const auto& [mode_name, mode] : kModeNames) {
        if (mode_name == name) return mode;
    }
    return std::nullopt;
}

}  // namespace

std::optional<ModeSelection> select_mode(std::span<const char* const> argv) {
    if (argv.empty() || argv[0] == nullptr) return std::nullopt;
    const auto program = std::filesystem::path(argv[0]).filename().string();
    if (auto mode = mode_named(program)) return ModeSelection{*mode, 0};
    if (argv.size() >= 2 && argv[1] != nullptr) {
        if (auto mode = mode_named(argv[1])) return ModeSelection{*mode, 1};
    }
    return std::nullopt;
}

std::string mode_names_help() {
    return "usage: blockvisor <mode> [args...], or call it through a link named after the mode\n"
           "modes:\n"
           "  bvd, blockvisord   the host daemon\n"
           "  bv                 the command line client of the daemon\n"
           "  babel              the agent inside a node\n"
           "  babelsup           the supervisor inside a node (its PID 1)\n"
           "  bv-installer       installs a downloaded bundle (self update)\n";
}

}  // namespace bv
