#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace bv::daemon {

struct DaemonOptions {
    std::filesystem::path root = "/";
    std::string log_level;  // overrides the host config's when set
    // How long calls in flight get to finish after SIGTERM/SIGINT.
    std::chrono::milliseconds shutdown_grace{10'000};
    std::chrono::milliseconds metrics_interval{15'000};
    std::chrono::milliseconds control_plane_metrics_interval{30'000};
    // Provision the host at start (the seed's provisioning script): a one-time password, the
    // control plane's URL and, optionally, its CA.
    std::string otp;
    std::string api_url;
    std::string api_ca_file;
    // Overrides the host config's metrics_listen when set ("" turns the endpoint off).
    std::optional<std::string> metrics_listen;
    // How long bvd's start waits for the first update check (docs/self-update.md).
    std::chrono::milliseconds update_check_start_bound{5'000};
    // Serve blockvisor.v1.TestHooksService (tests only).
    bool test_hooks = false;
};

// Runs bvd until SIGTERM/SIGINT. Returns the process exit code; start-up failures are
// reported on stderr with what to do about them.
int run_daemon(const DaemonOptions& options);

}  // namespace bv::daemon
