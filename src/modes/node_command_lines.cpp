#include "modes/node_command_lines.hpp"

namespace bv {

NodeCommandLine babel_command_line(BabelArguments& arguments) {
    return {
        .program = "babel",
        .description = "babel: the agent inside a node. Maps abstract methods (height, peers, ...) to the blockchain "
                       "client's API as the node's babel.toml says, and serves bvd on port 42 of the node channel.\n"
                       "Subcommands: check-config FILE... [--json]  validate babel.toml files",
        .options = {{"state-dir", "Babel's state inside the node (setup, init flag)", &arguments.state_dir},
                    {"channel", "Node channel: unix:DIRECTORY or vsock", &arguments.channel},
                    {"supervisor-socket", "babelsup's socket inside the node", &arguments.supervisor_socket}},
    };
}

NodeCommandLine check_config_command_line(CheckConfigArguments& arguments) {
    return {
        .program = "babel check-config",
        .description = "Validate babel.toml files: one line per problem, or per warning (a method left unfinished) "
                       "and 'FILE: ok'; exit 0 when all are valid",
        .options = {{"json", "Print the result as JSON", nullptr, &arguments.json}},
        .positionals_name = "FILE",
        .positionals = &arguments.files,
        .positionals_required = true,
    };
}

NodeCommandLine babelsup_command_line(BabelsupArguments& arguments) {
    return {
        .program = "babelsup",
        .description = "babelsup: the supervisor inside a node (its PID 1). Runs the blockchain client's entry points "
                       "and babel, installs babel updates, keeps the node's log; serves bvd on port 41 of the node "
                       "channel.",
        .options = {{"state-dir", "State inside the node (setup, babel binary)", &arguments.state_dir},
                    {"channel", "Node channel: unix:DIRECTORY or vsock", &arguments.channel},
                    {"data-volume", "Block device or directory to mount at the config's data_directory_mount_point",
                     &arguments.data_volume},
                    {"listen-fd", "Serve on this inherited listening socket instead of listening on the channel (the "
                     "sandbox's launcher makes it, so that bvd's first call waits for babelsup instead of polling)",
                     &arguments.listen_fd},
                    {"power-off", "Power the machine off on exit (when babelsup is a VM's init)", nullptr,
                     &arguments.power_off},
                    {"vm-init", "Be a VM's init from bvd's initramfs: mount the disks, load the modules, set up the "
                     "links the kernel command line names; then serve on the private link and power off on exit",
                     nullptr, &arguments.vm_init}},
    };
}

}  // namespace bv
