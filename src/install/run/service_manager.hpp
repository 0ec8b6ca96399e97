#pragma once

// How bv-installer restarts bvd: through systemd in production (the bundle's
// blockvisor.service), or as a plain process where PID 1 is not systemd (tests, a demo host).
// Both really stop and start bvd; neither waits for its health (the installer does).

#include <boost/asio/awaitable.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "common/child_processes.hpp"
#include "host/paths.hpp"

namespace bv::install {

namespace asio = boost::asio;

class ServiceManager {
  public:
    virtual ~ServiceManager() = default;
    virtual std::string name() const = 0;
    // Stops the running bvd (if any) and starts the one current points at. Throws
    // std::runtime_error saying what failed.
    virtual asio::awaitable<void> restart() = 0;
    // Why the bvd started by the last restart() is known to have died already ("exited with
    // code 1"); nullopt while it may still come up.
    virtual std::optional<std::string> started_bvd_died() = 0;
};

enum class ServiceManagerKind { systemd, process };

// --service-manager's default: systemd when it runs this machine (/run/systemd/system exists).
ServiceManagerKind default_service_manager();
std::optional<ServiceManagerKind> parse_service_manager(std::string_view name);

std::unique_ptr<ServiceManager> make_service_manager(ServiceManagerKind kind,
                                                     const HostPaths& paths,
                                                     ChildProcesses& children);

// The process manager's pieces, for its tests: the PID of the bvd that holds `paths`' lock
// (nullopt when none does), and the log file its bvds write to.
std::optional<pid_t> running_bvd_pid(const HostPaths& paths);
std::filesystem::path bvd_log_file(const HostPaths& paths);

}  // namespace bv::install
