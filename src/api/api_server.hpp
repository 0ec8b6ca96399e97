#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace bv::api {

struct ServeOptions {
    std::filesystem::path data_dir;
    std::string listen = "127.0.0.1:8443";
    // https://HOST:PORT hosts reach the server at (image URLs); empty: from the listen address.
    std::string public_url;
    std::chrono::milliseconds heartbeat{10'000};
    std::chrono::seconds access_token_ttl{3600};
    std::string log_level = "info";
    // The release keys the provisioning script writes into a new host's config
    // (release_public_keys): the bundles hosts install must be signed by one of them.
    std::vector<std::string> release_public_keys;
};

// Runs bv-api until SIGTERM/SIGINT. Returns the process exit code; start-up failures are reported
// on stderr with what to do about them.
int run_api_server(const ServeOptions& options);

}  // namespace bv::api
