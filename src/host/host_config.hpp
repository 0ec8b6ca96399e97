#pragma once

#include <filesystem>

#include "blockvisor/v1/config.pb.h"

namespace bv {

// The host config with defaults filled in; a missing file is the default config. Throws
// std::runtime_error naming the file when it cannot be read or parsed.
blockvisor::v1::HostConfig load_host_config(const std::filesystem::path& file);
// Written atomically, mode 0600: it holds the control plane's tokens.
void save_host_config(const std::filesystem::path& file, const blockvisor::v1::HostConfig& config);

// The one owner of the host config while bvd runs: everybody reads it here, and changes
// (tokens refreshed, the host provisioned) go through update(), which saves them at once.
class HostConfigStore {
public:
    HostConfigStore(std::filesystem::path file, blockvisor::v1::HostConfig config)
        : file_(std::move(file)), config_(std::move(config)) {}

    const blockvisor::v1::HostConfig& get() const { return config_; }
    // Applies `change` to a copy, saves it, then makes it the config: when the save fails
    // (throws), nothing changed.
    template <class Change>
    void update(Change change) {
        auto changed = config_;
        change(changed);
        save_host_config(file_, changed);
        config_ = std::move(changed);
    }

private:
    std::filesystem::path file_;
    blockvisor::v1::HostConfig config_;
};

}  // namespace bv
