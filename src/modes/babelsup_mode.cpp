#include "babel/babelsup.hpp"
#include "common/version.hpp"
#include "modes/arguments.hpp"
#include "modes/modes.hpp"

namespace bv {

int run_babelsup_mode(int argc, const char* const* argv) {
    CLI::App app("babelsup: the supervisor inside a node (its PID 1). Runs the blockchain client's entry points "
                 "and babel, installs babel updates, keeps the node's log; serves bvd on port 41 of the node channel.",
                 "babelsup");
    app.set_version_flag("--version", std::string("blockvisor ") + kVersion);
    babel::BabelSupOptions options;
    app.add_option("--state-dir", options.state_dir, "State inside the node (setup, babel binary)")->capture_default_str();
    app.add_option("--channel", options.channel, "Node channel: unix:DIRECTORY or vsock")->capture_default_str();
    app.add_option("--data-volume", options.data_volume,
                   "Block device or directory to mount at the config's data_directory_mount_point");
    app.add_flag("--power-off", options.power_off, "Power the machine off on exit (when babelsup is a VM's init)");
    if (auto exit_code = parse_arguments(app, argc, argv)) return *exit_code;
    return babel::run_babelsup(options);
}

}  // namespace bv
