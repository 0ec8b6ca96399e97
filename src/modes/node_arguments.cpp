#include "modes/node_arguments.hpp"

#include <getopt.h>

#include <cstdio>

#include "common/version.hpp"

namespace bv {
namespace {

constexpr int kHelpOption = 1000;
constexpr int kVersionOption = 1001;

int usage_error(const NodeCommandLine& command_line, const std::string& message) {
    std::fprintf(stderr, "%s: %s\nRun '%s --help' for usage.\n", command_line.program.c_str(), message.c_str(),
                 command_line.program.c_str());
    return 2;
}

}  // namespace

std::string node_usage(const NodeCommandLine& command_line) {
    std::string usage = command_line.description + "\nUsage: " + command_line.program + " [OPTIONS]";
    if (command_line.positionals_name != nullptr) usage += std::string(" ") + command_line.positionals_name + "...";
    usage += "\n\nOptions:\n  -h,--help              Print this help message and exit\n"
             "  --version              Display program version information and exit\n";
    for (const auto& option : command_line.options) {
        std::string name = std::string("  --") + option.name + (option.value != nullptr ? " TEXT" : "");
        name.resize(std::max<std::size_t>(name.size() + 1, 25), ' ');
        usage += name + option.help;
        if (option.value != nullptr && !option.value->empty()) usage += " (default: " + *option.value + ")";
        if (option.required) usage += " (required)";
        usage += "\n";
    }
    return usage;
}

std::optional<int> parse_node_arguments(const NodeCommandLine& command_line, int argc, const char* const* argv) {
    std::vector<option> long_options;
    for (std::size_t i = 0; i < command_line.options.size(); ++i) {
        const auto& spec = command_line.options[i];
        long_options.push_back({spec.name, spec.value != nullptr ? required_argument : no_argument, nullptr,
                                static_cast<int>(i)});
    }
    long_options.push_back({"help", no_argument, nullptr, kHelpOption});
    long_options.push_back({"version", no_argument, nullptr, kVersionOption});
    long_options.push_back({nullptr, 0, nullptr, 0});

    // getopt permutes the pointers (not the strings): hand it a copy.
    std::vector<char*> arguments;
    for (int i = 0; i < argc; ++i) arguments.push_back(const_cast<char*>(argv[i]));
    arguments.push_back(nullptr);
    std::vector<bool> seen(command_line.options.size());
    optind = 0;  // 0: a full reset of glibc's getopt, so that it can parse again
    opterr = 0;  // errors are reported below, in our words
    for (;;) {
        const int found = getopt_long(argc, arguments.data(), ":h", long_options.data(), nullptr);
        if (found == -1) break;
        if (found == kHelpOption || found == 'h') {
            std::fputs(node_usage(command_line).c_str(), stdout);
            return 0;
        }
        if (found == kVersionOption) {
            std::printf("blockvisor %s\n", bv::kVersion);
            return 0;
        }
        if (found == '?' || found == ':') {
            const std::string given = optind > 0 && optind <= argc ? arguments[static_cast<std::size_t>(optind - 1)] : "?";
            return usage_error(command_line, found == ':' ? "option " + given + " needs a value" : "unknown option " + given);
        }
        const auto& spec = command_line.options[static_cast<std::size_t>(found)];
        seen[static_cast<std::size_t>(found)] = true;
        if (spec.value != nullptr) *spec.value = optarg;
        if (spec.flag != nullptr) *spec.flag = true;
    }
    for (std::size_t i = 0; i < command_line.options.size(); ++i) {
        if (command_line.options[i].required && !seen[i]) {
            return usage_error(command_line, std::string("--") + command_line.options[i].name + " is required");
        }
    }
    for (int i = optind; i < argc; ++i) {
        if (command_line.positionals == nullptr) {
            return usage_error(command_line, std::string("unexpected argument '") + arguments[static_cast<std::size_t>(i)] + "'");
        }
        command_line.positionals->push_back(arguments[static_cast<std::size_t>(i)]);
    }
    if (command_line.positionals_required && command_line.positionals->empty()) {
        return usage_error(command_line, std::string(command_line.positionals_name) + " is required");
    }
    return std::nullopt;
}

}  // namespace bv
