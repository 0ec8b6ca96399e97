#pragma once

// A command line's shape, read from its definition (CLI11's App for the host's modes, the
// getopt table for the node's): what man pages and shell completion scripts are made from, so
// that they say what the parser accepts.

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace bv {

struct NodeCommandLine;

// What completes a value. Value names say it: ID_OR_NAME (a node of the running bvd), IMAGE
// (an image of its cache), FILE and DIR (paths: also CLI11's ExistingFile/ExistingDirectory
// checks), a CLI::IsMember check (its choices).
enum class ValueKind { none, text, file, directory, node, image, choice };

struct OptionSpec {
    std::vector<std::string> names;  // "-f", "--follow": short ones first
    std::string value_name;          // "N", "TEXT"; empty for a flag
    std::string help;
    ValueKind kind = ValueKind::none;
    std::vector<std::string> choices;
    std::string default_value;
    std::string environment;  // the variable that may set it instead
    bool required = false;
    bool repeatable = false;
};

struct PositionalSpec {
    std::string name;  // "ID_OR_NAME"
    std::string help;
    ValueKind kind = ValueKind::text;
    std::vector<std::string> choices;
    bool required = false;
    bool repeatable = false;
};

struct CommandSpec {
    std::string name;         // "bv", "node", "create"
    std::string description;  // the first sentence is its summary
    std::vector<OptionSpec> options;  // --help and --version included
    std::vector<PositionalSpec> positionals;
    std::vector<CommandSpec> subcommands;  // hidden ones (no group) left out
    bool requires_subcommand = false;
};

// The app and its visible subcommands, recursively.
CommandSpec command_spec(const CLI::App& app);
CommandSpec command_spec(const NodeCommandLine& command_line);

// The description's first sentence (up to ". " or ": "), for lists of subcommands.
std::string summary_of(const std::string& description);

}  // namespace bv
