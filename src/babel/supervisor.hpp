#pragma once

#include <sys/types.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "babel/backoff_policy.hpp"
#include "babel/config.hpp"
#include "babel/log_buffer.hpp"
#include "common/child_processes.hpp"
#include "common/notifier.hpp"

namespace bv::babel {

struct EntryPointState {
    std::string name;
    pid_t pid = 0;  // 0 while not running
    std::uint32_t restarts = 0;
    std::chrono::steady_clock::time_point started{};
    std::string last_exit;  // "exited with code 1", or why it could not start
};

// Runs the entry points of a node: each in its own process group, output captured line by
// line into the log, restarted after it exits with the config's backoff policy.
class Supervisor {
public:
    Supervisor(ChildProcesses& children, LogBuffer& log);
    ~Supervisor();

    // Starts every entry point of `config`. `environment` is the base environment of all of
    // them (each entry point's own env is added on top).
    void start(const SupervisorConfig& config, const std::map<std::string, std::string>& environment);
    // SIGTERM to every process group; SIGKILL to what is left after stop_timeout_ms.
    // Returns when all entry points are gone. Harmless when nothing runs.
    asio::awaitable<void> stop();
    std::vector<EntryPointState> states() const;

    struct Runner;

private:
    // Holds its runner: a runner outlives start() replacing it while its process is still
    // exiting.
    asio::awaitable<void> supervise(std::shared_ptr<Runner> runner);
    asio::awaitable<bool> wait_until_all_finished(std::chrono::steady_clock::time_point deadline);

    ChildProcesses& children_;
    LogBuffer& log_;
    SupervisorConfig config_;
    std::vector<std::shared_ptr<Runner>> runners_;
    Notifier runner_finished_;
    bool stopping_ = false;
};

// A message of babelsup's own: into the node's log (where bvd reads it) and onto stderr.
void note(LogBuffer& log, const std::string& message);

// Reads a child's output pipe to its end, appending each line to `log` under `source`.
asio::awaitable<void> capture_lines(asio::posix::stream_descriptor pipe, std::string source, LogBuffer& log);

}  // namespace bv::babel
