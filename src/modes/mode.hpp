#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace bv {

enum class Mode { daemon, cli, babel, babelsup, installer };

struct ModeSelection {
    Mode mode;
    // How many leading arguments of argv were used to pick the mode: 0 when argv[0]'s name
    // picked it, 1 when called as `blockvisor <mode> ...` (then argv[1] is the program name).
    int arguments_used;
};

// Picks the mode from argv[0]'s basename, or from argv[1] when argv[0] is `blockvisor`.
std::optional<ModeSelection> select_mode(std::span<const char* const> argv);

// The names that select a mode, for help and error messages.
std::string mode_names_help();

}  // namespace bv
