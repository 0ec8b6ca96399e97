#pragma once

// What bvd tells a node about itself (config and properties), persisted inside the node by
// babelsup so that the node comes back after a restart without bvd, and read by babel.

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "babel/config.hpp"
#include "blockvisor/babel/v1/babelsup.pb.h"

namespace bv::babel {

struct NodeSetup {
    blockvisor::babel::v1::SetupRequest request;
    BabelConfig config;
};

std::filesystem::path setup_file(const std::filesystem::path& state_dir);

// Parses the request's config and checks that this babel can run it. Throws rpc::Error
// (invalid_argument with every problem of the config, failed_precondition for a config that
// needs a newer babel).
NodeSetup make_setup(blockvisor::babel::v1::SetupRequest request);
// nullopt when no setup was saved yet. Throws like make_setup for a broken file.
std::optional<NodeSetup> load_setup(const std::filesystem::path& state_dir);
void save_setup(const std::filesystem::path& state_dir, const blockvisor::babel::v1::SetupRequest& request);

// The environment of entry points and sh methods: `base` with the config's path_append
// added to PATH.
std::map<std::string, std::string> node_environment(std::map<std::string, std::string> base, const BabelConfig& config);

}  // namespace bv::babel
