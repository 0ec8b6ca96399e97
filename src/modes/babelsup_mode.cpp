#include <charconv>
#include <cstdio>

#include "babel/babelsup.hpp"
#include "babel/vm_init.hpp"
#include "modes/modes.hpp"
#include "modes/node_command_lines.hpp"

namespace bv {

int run_babelsup_mode(int argc, const char* const* argv) {
    BabelsupArguments arguments;
    if (auto exit_code = parse_node_arguments(babelsup_command_line(arguments), argc, argv)) return *exit_code;
    babel::BabelSupOptions options;
    options.state_dir = arguments.state_dir;
    options.channel = arguments.channel;
    options.data_volume = arguments.data_volume;
    options.power_off = arguments.power_off;
    if (!arguments.listen_fd.empty()) {
        const auto& text = arguments.listen_fd;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), options.listen_fd);
        if (error != std::errc() || end != text.data() + text.size() || options.listen_fd < 0) {
            std::fprintf(stderr, "babelsup: --listen-fd: expected a file descriptor number, got '%s'\n", text.c_str());
            return 2;
        }
    }
    if (arguments.vm_init) {
        try {
            const auto boot = babel::prepare_vm_guest();
            if (boot.channel_link) {
                const auto& address = boot.channel_link->address;
                options.channel = "tcp:" + address.substr(0, address.find('/'));
            } else {
                options.channel = "vsock";
            }
            options.state_dir = babel::kGuestStateDir;
            options.data_volume = babel::kGuestDataDir;
            options.power_off = true;
        } catch (const std::exception& error) {
            // On the console (the VM's log); bvd sees the VM power off and reports the start failed.
            std::fprintf(stderr, "babelsup: the VM cannot start: %s\n", error.what());
            return babel::power_off_now();
        }
    }
    return babel::run_babelsup(options);
}

}  // namespace bv
