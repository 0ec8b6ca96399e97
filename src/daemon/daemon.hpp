#pragma once

#include <chrono>
#include <filesystem>
#include <string>

namespace bv::daemon {

struct DaemonOptions {
    std::filesystem::path root = "/";
    std::string log_level;  // overrides the host config's when set
    // How long calls in flight get to finish after SIGTERM/SIGINT.
    std::chrono::milliseconds shutdown_grace{10'000};
    std::chrono::milliseconds metrics_interval{15'000};
};

// Runs bvd until SIGTERM/SIGINT. Returns the process exit code; start-up failures are
// reported on stderr with what to do about them.
int run_daemon(const DaemonOptions& options);

}  // namespace bv::daemon
