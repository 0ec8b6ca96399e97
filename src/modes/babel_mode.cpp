#include <iostream>

#include "babel/babel_agent.hpp"
#include "babel/check_config.hpp"
#include "common/version.hpp"
#include "modes/arguments.hpp"
#include "modes/modes.hpp"

namespace bv {

int run_babel_mode(int argc, const char* const* argv) {
    CLI::App app("babel: the agent inside a node. Maps abstract methods (height, peers, ...) to the blockchain "
                 "client's API as the node's babel.toml says, and serves bvd on port 42 of the node channel.",
                 "babel");
    app.set_version_flag("--version", std::string("blockvisor ") + kVersion);
    babel::BabelOptions options;
    app.add_option("--state-dir", options.state_dir, "Babel's state inside the node (setup, init flag)")
        ->capture_default_str();
    app.add_option("--channel", options.channel, "Node channel: unix:DIRECTORY or vsock")->capture_default_str();
    app.add_option("--supervisor-socket", options.supervisor_socket, "babelsup's socket inside the node")
        ->capture_default_str();

    auto* check = app.add_subcommand("check-config", "Validate babel.toml files: one line per problem; exit 0 when all are valid");
    std::vector<std::string> files;
    bool json = false;
    check->add_option("FILE", files, "babel.toml files")->required();
    check->add_flag("--json", json, "Print the result as JSON");
    if (auto exit_code = parse_arguments(app, argc, argv)) return *exit_code;
    if (check->parsed()) return babel::check_config_files(files, json, std::cout);
    return babel::run_babel(options);
}

}  // namespace bv
