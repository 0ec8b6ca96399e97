#pragma once

// bv-installer's procedure (docs/self-update.md): the steps of installer_plan.hpp done for
// real, one log line each, the run persisted in installer.json before every step.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "host/paths.hpp"
#include "install/run/service_manager.hpp"

namespace bv::install {

struct InstallerOptions {
    HostPaths paths;
    std::string version;  // to install (unpacked in opt/blockvisor/<version>)
    std::optional<std::filesystem::path> bundle;  // unpack this first, then run its own installer
    ServiceManagerKind service_manager = ServiceManagerKind::process;
    std::chrono::seconds health_timeout{60};  // for the new bvd to answer Health as the new version
    std::chrono::seconds drain_timeout{60};   // for the old bvd's node operations in flight
};

// The exit code: 0 installed; 1 refused, failed before the switch, or the host is broken (the
// message says which and what to do). A rollback replaces this process with the backup's
// installer (exec), whose exit code the caller then sees.
int run_installer(const InstallerOptions& options);

}  // namespace bv::install
