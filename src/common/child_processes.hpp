#pragma once

#include <sys/types.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <filesystem>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bv {

namespace asio = boost::asio;

struct SpawnOptions {
    // argv[0] is the program; without a '/', it is looked up in the PATH of `environment`.
    std::vector<std::string> argv;
    // The child's whole environment.
    std::map<std::string, std::string> environment;
    std::filesystem::path working_directory;  // empty: inherit
    std::string user;                         // empty: stay who we are
    // Own process group (pgid = pid), so that stopping it reaches its children too.
    bool new_process_group = true;
    // A session of its own (setsid: also its own process group, and no controlling terminal),
    // for a child that must outlive this process and its service's stop (the self-update
    // installer). Takes precedence over new_process_group.
    bool new_session = false;
    // stdout and stderr into pipes (ChildProcess::output); otherwise inherited.
    bool capture_output = true;
    // Without capture_output: stdout and stderr appended to this file (created 0640) instead.
    std::filesystem::path output_file;
};

struct ExitStatus {
    int code = -1;   // exit code, or -1 when killed by a signal
    int signal = 0;  // the signal that killed it
    bool success() const { return code == 0; }
    // "exited with code 1", "killed by signal 9 (Killed)".
    std::string describe() const;
};

struct ChildProcess {
    pid_t pid = -1;
    // stdout and stderr, when captured.
    std::optional<asio::posix::stream_descriptor> stdout_pipe;
    std::optional<asio::posix::stream_descriptor> stderr_pipe;
};

// Starts child processes and collects their exit statuses, on one io_context.
//
// Children are reaped on SIGCHLD one by one by PID, so other code's children are left alone.
// With `reap_orphans` every other zombie is reaped too: for babelsup, PID 1 of its node, to
// which the kernel re-parents orphaned processes, and for bvd, the subreaper of its sandboxes.
class ChildProcesses {
public:
    ChildProcesses(asio::any_io_executor executor, bool reap_orphans = false);
    ~ChildProcesses();
    ChildProcesses(const ChildProcesses&) = delete;
    ChildProcesses& operator=(const ChildProcesses&) = delete;

    // Throws std::system_error saying which program could not be started and why (not
    // found, not executable, unknown user...).
    ChildProcess spawn(const SpawnOptions& options);
    // Completes when `pid` (spawned here) exits.
    asio::awaitable<ExitStatus> wait(pid_t pid);
    // Waits up to `timeout`; nullopt if it is still running.
    asio::awaitable<std::optional<ExitStatus>> wait_for(pid_t pid, std::chrono::milliseconds timeout);
    // SIGTERM to the process group, SIGKILL after `timeout`; returns how it ended.
    asio::awaitable<ExitStatus> stop_group(pid_t pid, std::chrono::milliseconds timeout);
    bool running(pid_t pid) const;
    // Nobody will wait for `pid`: forget it once it has exited.
    void abandon(pid_t pid);
    asio::any_io_executor executor() const { return executor_; }

private:
    struct Child {
        std::optional<ExitStatus> status;
        std::list<asio::steady_timer*> waiters;
        bool abandoned = false;
    };
    void start_listening();
    void collect_exits();

    asio::any_io_executor executor_;
    asio::signal_set child_signals_;
    bool reap_orphans_;
    std::map<pid_t, Child> children_;
};

struct CommandResult {
    std::optional<ExitStatus> status;  // set when the process exited
    bool timed_out = false;            // the timeout passed first: the process group was killed
    std::string out;
    std::string err;
    bool out_complete = true;          // false: stdout was longer than the limit (the rest was dropped)
};

// Runs a command to its end within `timeout`, reading its output meanwhile. The process group
// is killed when the timeout passes, and when the caller is cancelled: nothing is left
// running behind it.
asio::awaitable<CommandResult> run_command(ChildProcesses& children, SpawnOptions options,
                                           std::chrono::milliseconds timeout, std::size_t output_limit = 1 << 20);

// The environment of this process, as a map.
std::map<std::string, std::string> current_environment();

// Reads `pipe` to its end, appending to `output` at most `limit` bytes (the rest is read and
// dropped, so the writer never blocks). Returns whether everything fit.
asio::awaitable<bool> read_all(asio::posix::stream_descriptor& pipe, std::string& output, std::size_t limit);

}  // namespace bv
