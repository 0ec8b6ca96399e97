#pragma once

// The command lines of the node's modes (babel, babel check-config, babelsup): the getopt
// tables they parse with, bound to the values they fill. The man pages are made from the same
// tables (by a build tool: bv-node carries no generator).

#include <string>
#include <vector>

#include "babel/babel_agent.hpp"
#include "babel/babelsup.hpp"
#include "modes/node_arguments.hpp"

namespace bv {

// Their defaults are babel's and babelsup's own.
struct BabelArguments {
    std::string state_dir = babel::BabelOptions().state_dir.string();
    std::string channel = babel::BabelOptions().channel;
    std::string supervisor_socket = babel::BabelOptions().supervisor_socket.string();
};
NodeCommandLine babel_command_line(BabelArguments& arguments);

struct CheckConfigArguments {
    std::vector<std::string> files;
    bool json = false;
};
NodeCommandLine check_config_command_line(CheckConfigArguments& arguments);

struct BabelsupArguments {
    std::string state_dir = babel::BabelSupOptions().state_dir.string();
    std::string channel = babel::BabelSupOptions().channel;
    std::string data_volume = babel::BabelSupOptions().data_volume.string();
    bool power_off = babel::BabelSupOptions().power_off;
    bool vm_init = false;
    std::string listen_fd;
};
NodeCommandLine babelsup_command_line(BabelsupArguments& arguments);

}  // namespace bv
