#pragma once

#include <filesystem>
#include <string>

namespace bv::babel {

struct BabelSupOptions {
    std::filesystem::path state_dir = "/var/lib/babel";
    std::string channel = "vsock";
    // Mounted at the config's data_directory_mount_point; empty: none.
    std::filesystem::path data_volume;
    // Power the machine off when done (babelsup is init of a VM).
    bool power_off = false;
    // Its own port's listening socket, made by whoever started it (a sandbox's launcher: bvd
    // can then call at once, its call waiting in the queue until babelsup accepts); -1: listen.
    int listen_fd = -1;
};

// Syncs and powers the machine off (babelsup is a VM's init); returns only when that fails.
int power_off_now();

// Runs babelsup until SIGTERM/SIGINT or a Shutdown call. Returns the exit code.
int run_babelsup(const BabelSupOptions& options);

}  // namespace bv::babel
