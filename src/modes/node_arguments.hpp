#pragma once

// Command lines of the node's modes (babel, babelsup), parsed with glibc's getopt_long: the
// node binary stays free of CLI11, which the host's modes use.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bv {

struct NodeOption {
    const char* name;         // long name, without the dashes
    const char* help;
    std::string* value;       // set for an option that takes a value
    bool* flag = nullptr;     // set for a flag
    bool required = false;
};

struct NodeCommandLine {
    std::string program;      // for usage and errors: "babel", "babel check-config"
    std::string description;
    std::vector<NodeOption> options;
    // Positional arguments: their name for the usage line, and where they go (nullptr: none).
    const char* positionals_name = nullptr;
    std::vector<std::string>* positionals = nullptr;
    bool positionals_required = false;
};

// Parses argv (argv[0] is the program). Returns the exit code when the process is done
// (--help, --version: 0; usage errors: 2, with the error and a hint on stderr), or nullopt.
std::optional<int> parse_node_arguments(const NodeCommandLine& command_line, int argc, const char* const* argv);

// The --help text.
std::string node_usage(const NodeCommandLine& command_line);

}  // namespace bv
