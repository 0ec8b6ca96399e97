#pragma once

#include <filesystem>

#include "blockvisor/v1/config.pb.h"

namespace bv {

// The host config with defaults filled in; a missing file is the default config. Throws
// std::runtime_error naming the file when it cannot be read or parsed.
blockvisor::v1::HostConfig load_host_config(const std::filesystem::path& file);
// Written atomically, mode 0600: it holds the control plane's tokens.
void save_host_config(const std::filesystem::path& file, const blockvisor::v1::HostConfig& config);

}  // namespace bv
