#include "support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace bv::test {
namespace {

std::string slurp(const std::filesystem::path& path) {
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

std::filesystem::path unique_output_path(const std::filesystem::path& dir, const char* suffix) {
    static int counter = 0;
    return dir / ("process-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + suffix);
}

}  // namespace

Process::Process(std::vector<std::string> argv, const std::filesystem::path& output_dir,
                 std::map<std::string, std::string> extra_environment)
    : out_path_(unique_output_path(output_dir, ".out")), err_path_(unique_output_path(output_dir, ".err")) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);

    std::map<std::string, std::string> environment;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string text = *entry;
        const auto equals = text.find('=');
        if (equals != std::string::npos) environment[text.substr(0, equals)] = text.substr(equals + 1);
    }
    for (auto& [name, value] : extra_environment) environment[name] = value;
    std::vector<std::string> environment_entries;
    for (auto& [name, value] : environment) environment_entries.push_back(name + "=" + value);
    std::vector<char*> envp;
    for (auto& entry : environment_entries) envp.push_back(entry.data());
    envp.push_back(nullptr);
    std::vector<char*> args;
    for (auto& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);

    const int error = posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(error));
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
}

Process::~Process() {
    if (!result_) {
        ::kill(pid_, SIGKILL);
        wait(std::chrono::seconds(10));
    }
    if (pidfd_ >= 0) ::close(pidfd_);
    std::filesystem::remove(out_path_);
    std::filesystem::remove(err_path_);
}

bool Process::running() { return !wait(std::chrono::milliseconds(0)); }

void Process::signal(int signal_number) {
    if (!result_) ::kill(pid_, signal_number);
}

std::optional<ProcessResult> Process::wait(std::chrono::milliseconds timeout) {
    if (result_) return result_;
    pollfd exited{pidfd_, POLLIN, 0};
    if (::poll(&exited, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    int status = 0;
    if (::waitpid(pid_, &status, 0) != pid_) return std::nullopt;
    ProcessResult result;
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
    result.out = out();
    result.err = err();
    result_ = result;
    return result_;
}

std::string Process::out() const { return slurp(out_path_); }
std::string Process::err() const { return slurp(err_path_); }

ProcessResult run(std::vector<std::string> argv, std::chrono::milliseconds timeout,
                  std::map<std::string, std::string> extra_environment) {
    Process process(std::move(argv), std::filesystem::temp_directory_path(), std::move(extra_environment));
    if (auto result = process.wait(timeout)) return *result;
    process.signal(SIGKILL);
    auto result = process.wait(std::chrono::seconds(10)).value_or(ProcessResult{});
    result.err += "\n[killed: did not finish within " + std::to_string(timeout.count()) + " ms]";
    result.exit_code = -1;
    return result;
}

TempDir::TempDir(const std::string& prefix) {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create a temporary directory");
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::vector<ProcessEntry> all_processes() {
    std::vector<ProcessEntry> processes;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        std::ifstream file(entry.path() / "stat");
        std::string stat;
        if (!std::getline(file, stat)) continue;
        ProcessEntry process;
        process.pid = std::atoi(entry.path().filename().c_str());
        // The command name in parentheses may hold spaces: the fields start after its ')'.
        const auto name_begins = stat.find('(') + 1;
        const auto name_ends = stat.rfind(')');
        process.name = stat.substr(name_begins, name_ends - name_begins);
        std::istringstream fields(stat.substr(name_ends + 2));
        fields >> process.state >> process.parent >> process.group;
        processes.push_back(process);
    }
    return processes;
}

namespace {

// "Key:   1234 kB" lines of a /proc file, in KiB by key.
std::map<std::string, std::uint64_t> kib_fields(const std::filesystem::path& file) {
    std::ifstream input(file);
    std::map<std::string, std::uint64_t> kib;
    for (std::string line; std::getline(input, line);) {
        const auto colon = line.find(':');
        if (colon == std::string::npos || line.find("kB") == std::string::npos) continue;
        kib[line.substr(0, colon)] = std::strtoull(line.c_str() + colon + 1, nullptr, 10);
    }
    return kib;
}

}  // namespace

std::string memory_report(pid_t pid) {
    const auto proc = std::filesystem::path("/proc") / std::to_string(pid);
    auto status = kib_fields(proc / "status");
    auto rollup = kib_fields(proc / "smaps_rollup");
    // USS: the pages only this process maps, what it would free by exiting.
    return fmt::format("{:6} KiB RSS ({} KiB anonymous, {} KiB file-backed; PSS {} KiB; USS {} KiB)", status["VmRSS"],
                       status["RssAnon"], status["RssFile"], rollup["Pss"],
                       rollup["Private_Clean"] + rollup["Private_Dirty"]);
}

std::uint64_t rss_kib(pid_t pid) { return kib_fields(std::filesystem::path("/proc") / std::to_string(pid) / "status")["VmRSS"]; }

}  // namespace bv::test
