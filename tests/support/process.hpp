#pragma once

// Real processes for tests: spawn, wait with a timeout, signal, capture output.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bv::test {

struct ProcessResult {
    int exit_code = -1;    // -1 when killed by a signal
    int signal = 0;
    std::string out;
    std::string err;
};

// A child process whose stdout and stderr go to files in `output_dir`.
class Process {
public:
    Process(std::vector<std::string> argv, const std::filesystem::path& output_dir,
            std::map<std::string, std::string> extra_environment = {});
    ~Process();  // kills it if still running
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return pid_; }
    bool running();
    void signal(int signal_number);
    // The result once it exited; nullopt when it is still running after `timeout`.
    std::optional<ProcessResult> wait(std::chrono::milliseconds timeout);
    std::string out() const;
    std::string err() const;

private:
    pid_t pid_ = -1;
    int pidfd_ = -1;
    std::optional<ProcessResult> result_;
    std::filesystem::path out_path_;
    std::filesystem::path err_path_;
};

// Runs a command to its end (killed after `timeout`, which fails the result).
ProcessResult run(std::vector<std::string> argv, std::chrono::milliseconds timeout = std::chrono::seconds(60),
                  std::map<std::string, std::string> extra_environment = {});

// A fresh directory under /tmp, removed with everything in it at the end.
class TempDir {
public:
    explicit TempDir(const std::string& prefix = "bv-test");
    ~TempDir();
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// A process of this machine as its /proc/<pid>/stat describes it.
struct ProcessEntry {
    pid_t pid = 0;
    std::string name;  // the command name, as ps shows it
    char state = '?';  // 'Z': exited, waiting to be reaped
    pid_t parent = 0;
    pid_t group = 0;
};
std::vector<ProcessEntry> all_processes();

// A process's memory for benchmark reports: its RSS, how much of it is anonymous (its own)
// and file-backed (pages of the binary, shared with every process that maps the same
// file), its PSS (shared pages divided among the processes that map them) and its USS (the
// pages only it maps).
std::string memory_report(pid_t pid);
// Its resident set (VmRSS), in KiB.
std::uint64_t rss_kib(pid_t pid);

// Polls `condition` until it holds or `timeout` passes; returns whether it held.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace bv::test

#include <thread>

namespace bv::test {

template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

}  // namespace bv::test
