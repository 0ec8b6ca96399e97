#include "host/paths.hpp"

#include <cstdlib>

namespace bv {

HostPaths host_paths(const std::filesystem::path& root) {
    HostPaths paths;
    paths.root = root;
    paths.config_dir = root / "etc/blockvisor";
    paths.config_file = paths.config_dir / "config.json";
    paths.state_dir = root / "var/lib/blockvisor";
    paths.nodes_dir = paths.state_dir / "nodes";
    paths.images_dir = paths.state_dir / "images";
    paths.run_dir = root / "run/blockvisor";
    paths.socket = paths.run_dir / "bvd.sock";
    paths.lock_file = paths.run_dir / "bvd.lock";
    paths.commands_dir = paths.state_dir / "commands";
    paths.install_dir = root / "opt/blockvisor";
    return paths;
}

std::filesystem::path resolve_root(const std::string& root_option) {
    if (!root_option.empty()) return std::filesystem::absolute(root_option);
    if (const char* from_environment = std::getenv("BV_ROOT"); from_environment != nullptr && *from_environment) {
        return std::filesystem::absolute(from_environment);
    }
    return "/";
}

}  // namespace bv
