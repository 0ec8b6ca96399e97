#pragma once

#include <sys/types.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "common/backoff_policy.hpp"
#include "babel/log_buffer.hpp"
#include "common/child_processes.hpp"
#include "common/notifier.hpp"

namespace bv::babel {

struct ProcessState {
    std::string name;
    pid_t pid = 0;  // 0 while not running
    std::uint32_t restarts = 0;
    std::chrono::steady_clock::time_point started{};
    std::string last_exit;  // "exited with code 1", or why it could not start
};

// One process kept running: started in its own process group, its output captured line by
// line into the log, started again after it exits with a backoff policy, until stopped.
// An entry point of the node, and babel itself, are each one.
//
// Shared ownership: the loop holds the object, so it outlives whoever replaces it while its
// process is still exiting.
class RestartingProcess : public std::enable_shared_from_this<RestartingProcess> {
public:
    RestartingProcess(ChildProcesses& children, LogBuffer& log, std::string name, SpawnOptions spawn,
                      BackoffPolicy backoff);

    void start();
    // Stops restarting and sends SIGTERM to the process group; finished() says when it ended.
    void request_stop();
    // SIGKILL to the process group.
    void kill();
    // request_stop(), then SIGKILL after `timeout`; returns once the process is gone.
    asio::awaitable<void> stop(std::chrono::milliseconds timeout);
    // Whether the loop ended before `deadline`.
    asio::awaitable<bool> wait_finished(std::chrono::steady_clock::time_point deadline);

    bool finished() const { return finished_; }
    const ProcessState& state() const { return state_; }
    // How many times the process ended (for health checks: "did it exit since?").
    std::uint32_t exits() const { return exits_; }

private:
    asio::awaitable<void> keep_running();

    ChildProcesses& children_;
    LogBuffer& log_;
    SpawnOptions spawn_;
    BackoffPolicy backoff_;
    ProcessState state_;
    asio::steady_timer restart_delay_;
    Notifier loop_ended_;
    bool wanted_ = true;
    bool finished_ = false;
    std::uint32_t exits_ = 0;
};

// A message of babelsup's own: into the node's log (where bvd reads it) and onto stderr.
void note(LogBuffer& log, const std::string& message);

// Reads a child's output pipe to its end, appending each line to `log` under `source`.
asio::awaitable<void> capture_lines(asio::posix::stream_descriptor pipe, std::string source, LogBuffer& log);

}  // namespace bv::babel
