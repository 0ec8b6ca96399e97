#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "modes/command_spec.hpp"

namespace bv {

enum class Shell { bash, zsh, fish };
std::optional<Shell> parse_shell(std::string_view name);

// A completion script for `spec`'s program (subcommands, options, choices, paths). Node and
// image names come from the running bvd through `<program> __complete nodes|images`, with the
// --root or --socket already typed on the command line.
std::string completion_script(const CommandSpec& spec, Shell shell);

}  // namespace bv
