#pragma once

#include <filesystem>
#include <string>

namespace bv {

// Where a host keeps everything, under one root prefix (`--root`, `BV_ROOT`, default `/`)
// so that many isolated hosts can run side by side in tests.
struct HostPaths {
    std::filesystem::path root;
    std::filesystem::path config_dir;   // etc/blockvisor
    std::filesystem::path config_file;  // etc/blockvisor/config.json
    std::filesystem::path state_dir;    // var/lib/blockvisor
    std::filesystem::path nodes_dir;    // var/lib/blockvisor/nodes
    std::filesystem::path images_dir;   // var/lib/blockvisor/images
    std::filesystem::path commands_dir; // var/lib/blockvisor/commands: the control plane's commands run
    std::filesystem::path run_dir;      // run/blockvisor
    std::filesystem::path socket;       // run/blockvisor/bvd.sock
    std::filesystem::path lock_file;    // run/blockvisor/bvd.lock
    std::filesystem::path install_dir;  // opt/blockvisor
};

HostPaths host_paths(const std::filesystem::path& root);

// The root from the command line when given, else BV_ROOT, else "/".
std::filesystem::path resolve_root(const std::string& root_option);

}  // namespace bv
