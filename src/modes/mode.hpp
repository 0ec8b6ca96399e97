#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace bv {

enum class Mode { daemon, cli, installer, api, babel, babelsup };

struct ModeName {
    std::string_view name;
    Mode mode;
    std::string_view summary;  // for the list of modes; empty for a second name of a mode
};

// One of the two executables: `blockvisor` (the host's modes) or `bv-node` (the node's).
struct Program {
    std::string_view name;
    std::span<const ModeName> modes;
};

const Program& host_program();
const Program& node_program();

struct ModeSelection {
    Mode mode;
    // How many leading arguments of argv were used to pick the mode: 0 when argv[0]'s name
    // picked it, 1 when called as `<program> <mode> ...` (then argv[1] is the program name).
    int arguments_used;
};

// Picks one of the program's modes from argv[0]'s basename, or from argv[1].
std::optional<ModeSelection> select_mode(const Program& program, std::span<const char* const> argv);

// The names that select a mode, for help and error messages.
std::string mode_names_help(const Program& program);

// What main() does in both executables: picks the mode (answering --help, --version and
// unknown modes itself) and runs it through `run`.
using ModeRunner = int (*)(Mode mode, int argc, const char* const* argv);
int run_program(const Program& program, int argc, char** argv, ModeRunner run);

}  // namespace bv
