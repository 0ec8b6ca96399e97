#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "babel/config.hpp"
#include "babel/log_buffer.hpp"
#include "babel/restarting_process.hpp"
#include "common/child_processes.hpp"

namespace bv::babel {

// Runs the entry points of a node: each a RestartingProcess with the config's backoff policy.
class Supervisor {
public:
    Supervisor(ChildProcesses& children, LogBuffer& log) : children_(children), log_(log) {}
    ~Supervisor();

    // Starts every entry point of `config`. `environment` is the base environment of all of
    // them (each entry point's own env is added on top).
    void start(const SupervisorConfig& config, const std::map<std::string, std::string>& environment);
    // SIGTERM to every process group; SIGKILL to what is left after stop_timeout_ms.
    // Returns when all entry points are gone. Harmless when nothing runs.
    asio::awaitable<void> stop();
    std::vector<ProcessState> states() const;

private:
    ChildProcesses& children_;
    LogBuffer& log_;
    SupervisorConfig config_;
    std::vector<std::shared_ptr<RestartingProcess>> entry_points_;
};

}  // namespace bv::babel
