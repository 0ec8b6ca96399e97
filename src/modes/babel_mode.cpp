#include <iostream>
#include <string_view>

#include "babel/babel_agent.hpp"
#include "babel/check_config.hpp"
#include "modes/modes.hpp"
#include "modes/node_command_lines.hpp"

namespace bv {
namespace {

int run_check_config(int argc, const char* const* argv) {
    CheckConfigArguments arguments;
    if (auto exit_code = parse_node_arguments(check_config_command_line(arguments), argc, argv)) return *exit_code;
    return babel::check_config_files(arguments.files, arguments.json, std::cout);
}

}  // namespace

int run_babel_mode(int argc, const char* const* argv) {
    if (argc > 1 && std::string_view(argv[1]) == "check-config") return run_check_config(argc - 1, argv + 1);
    BabelArguments arguments;
    if (auto exit_code = parse_node_arguments(babel_command_line(arguments), argc, argv)) return *exit_code;
    babel::BabelOptions options;
    options.state_dir = arguments.state_dir;
    options.channel = arguments.channel;
    options.supervisor_socket = arguments.supervisor_socket;
    return babel::run_babel(options);
}

}  // namespace bv
