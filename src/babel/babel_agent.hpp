#pragma once

#include <filesystem>
#include <string>

namespace bv::babel {

struct BabelOptions {
    std::filesystem::path state_dir = "/var/lib/babel";
    std::string channel = "vsock";
    // Where babelsup serves babel inside the node (for the log).
    std::filesystem::path supervisor_socket = "/var/lib/babel/babelsup.sock";
};

// Runs babel until SIGTERM/SIGINT, then lets calls in flight finish. Returns the exit code.
int run_babel(const BabelOptions& options);

}  // namespace bv::babel
