#include "install/run/service_manager.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include "common/async.hpp"
#include "common/files.hpp"
#include "common/log.hpp"
#include "install/layout.hpp"

namespace bv::install {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto kStopTimeout =
    30s;  // bvd lets calls finish for 10 s after SIGTERM; the unit's TimeoutStopSec
constexpr const char* kUnit = "blockvisor.service";

bool process_exists(pid_t pid) {
    return ::kill(pid, 0) == 0 || errno == EPERM;
}

// systemd: the unit file comes with the bundle (current's blockvisor.service) and is
// installed when it changed, then `systemctl restart`.
class SystemdServiceManager : public ServiceManager {
  public:
    SystemdServiceManager(HostPaths paths, ChildProcesses& children)
        : paths_(std::move(paths)), children_(children) {}

    std::string name() const override { return "systemd"; }

    asio::awaitable<void> restart() override {
        const auto unit = InstallLayout(paths_).current / kUnit;
        const auto installed = paths_.root / "etc/systemd/system" / kUnit;
        // A backup copied from a running bvd has no unit: the installed one stays.
        const auto wanted = read_file_if_exists(unit);
        if (wanted && read_file_if_exists(installed) != *wanted) {
            fs::create_directories(installed.parent_path());
            write_file_atomically(installed, *wanted);
            co_await systemctl({"daemon-reload"});
            co_await systemctl({"enable", kUnit});
        }
        co_await systemctl({"restart", kUnit});
    }

    // systemd restarts a bvd that dies (Restart=always): the health deadline decides.
    std::optional<std::string> started_bvd_died() override { return std::nullopt; }

  private:
    asio::awaitable<void> systemctl(std::vector<std::string> arguments) {
        SpawnOptions options;
        options.argv = {"systemctl"};
        options.argv.insert(options.argv.end(), arguments.begin(), arguments.end());
        options.environment = current_environment();
        const auto result = co_await run_command(children_, options, 90s, 1 << 16);
        if (!result.status || !result.status->success()) {
            std::string command;
            for (const auto& part : options.argv) command += (command.empty() ? "" : " ") + part;
            throw std::runtime_error(
                command + " failed (" +
                (result.timed_out ? std::string("timed out") : result.status->describe()) +
                "): " + result.err);
        }
    }

    HostPaths paths_;
    ChildProcesses& children_;
};

// Without systemd: bvd found by its lock file (it records the holder's PID), stopped with
// SIGTERM (SIGKILL after kStopTimeout), and started from current's binary in a session of its
// own, its output appended to var/log/blockvisor/bvd.log. Nodes outlive it, as with
// KillMode=process.
class ProcessServiceManager : public ServiceManager {
  public:
    explicit ProcessServiceManager(HostPaths paths) : paths_(std::move(paths)) {}
    ~ProcessServiceManager() override {
        // The started bvd outlives the installer; init (or the nearest subreaper) reaps it.
    }

    std::string name() const override { return "process"; }

    asio::awaitable<void> restart() override {
        co_await stop();
        start();
    }

    std::optional<std::string> started_bvd_died() override {
        if (started_ <= 0) return std::nullopt;
        int status = 0;
        const auto waited = ::waitpid(started_, &status, WNOHANG);
        if (waited != started_) return std::nullopt;
        started_ = -1;
        ExitStatus exit;
        if (WIFEXITED(status)) exit.code = WEXITSTATUS(status);
        if (WIFSIGNALED(status)) exit.signal = WTERMSIG(status);
        died_ = "bvd " + exit.describe() + ": " + last_log_line() +
                " (its log: " + bvd_log_file(paths_).string() + ")";
        return died_;
    }

  private:
    asio::awaitable<void> stop() {
        const auto pid = running_bvd_pid(paths_);
        if (!pid) co_return;
        log::info("stopping bvd (pid {})", *pid);
        ::kill(*pid, SIGTERM);
        const auto deadline = std::chrono::steady_clock::now() + kStopTimeout;
        // Not our child (in general): it is gone when its lock is free.
        while (running_bvd_pid(paths_) && std::chrono::steady_clock::now() < deadline) {
            reap_if_child(*pid);
            co_await sleep_for(20ms);
        }
        if (running_bvd_pid(paths_)) {
            log::warn("bvd (pid {}) did not stop within {} s of SIGTERM: killing it", *pid,
                      kStopTimeout.count());
            ::kill(*pid, SIGKILL);
            while (running_bvd_pid(paths_)) {
                reap_if_child(*pid);
                co_await sleep_for(20ms);
            }
        }
        reap_if_child(*pid);
    }

    // What a bvd that died at start said last.
    std::string last_log_line() const {
        // Its end only: the log file collects every bvd's output.
        std::ifstream file(bvd_log_file(paths_), std::ios::binary | std::ios::ate);
        const std::streamoff size = file ? static_cast<std::streamoff>(file.tellg()) : 0;
        std::string log(static_cast<std::size_t>(std::min<std::streamoff>(size, 4096)), '\0');
        file.seekg(size - static_cast<std::streamoff>(log.size()));
        file.read(log.data(), static_cast<std::streamsize>(log.size()));
        auto end = log.find_last_not_of("\n ");
        if (end == std::string::npos) return "it wrote nothing";
        const auto start = log.rfind('\n', end);
        return "\"" +
               log.substr(start == std::string::npos ? 0 : start + 1,
                          end - (start == std::string::npos ? 0 : start + 1) + 1) +
               "\"";
    }

    static void reap_if_child(pid_t pid) {
        int status = 0;
        ::waitpid(pid, &status, WNOHANG);
    }

    void start() {
        const auto binary = InstallLayout(paths_).current / "bin/blockvisor";
        const auto log_file = bvd_log_file(paths_);
        fs::create_directories(log_file.parent_path());
        const int log_fd =
            ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (log_fd < 0)
            throw std::system_error(errno, std::generic_category(), "opening " + log_file.string());
        const std::string root = paths_.root.string();
        const std::string program = binary.string();
        std::fflush(nullptr);
        const pid_t pid = ::fork();
        if (pid < 0) {
            ::close(log_fd);
            throw std::system_error(errno, std::generic_category(), "starting bvd");
        }
        if (pid == 0) {
            // A session of its own: the installer's terminal and process group are not bvd's.
            ::setsid();
            const int null_fd = ::open("/dev/null", O_RDONLY);
            ::dup2(null_fd, 0);
            ::dup2(log_fd, 1);
            ::dup2(log_fd, 2);
            // No descriptor of the installer's (its lock above all) reaches bvd.
            ::syscall(SYS_close_range, 3, ~0U, 0);
            const char* argv[] = {program.c_str(), "bvd", "--root", root.c_str(), nullptr};
            ::execv(program.c_str(), const_cast<char* const*>(argv));
            const auto message = std::string("bv-installer: cannot run ") + program + ": " +
                                 std::strerror(errno) + "\n";
            (void)!::write(2, message.data(), message.size());
            ::_exit(127);
        }
        ::close(log_fd);
        started_ = pid;
        log::info("started bvd {} (pid {}), its output in {}", program, pid, log_file.string());
    }

    HostPaths paths_;
    pid_t started_ = -1;
    std::optional<std::string> died_;
};

}  // namespace

ServiceManagerKind default_service_manager() {
    return fs::exists("/run/systemd/system") ? ServiceManagerKind::systemd
                                             : ServiceManagerKind::process;
}

std::optional<ServiceManagerKind> parse_service_manager(std::string_view name) {
    if (name == "systemd") return ServiceManagerKind::systemd;
    if (name == "process") return ServiceManagerKind::process;
    return std::nullopt;
}

std::unique_ptr<ServiceManager> make_service_manager(ServiceManagerKind kind,
                                                     const HostPaths& paths,
                                                     ChildProcesses& children) {
    if (kind == ServiceManagerKind::systemd)
        return std::make_unique<SystemdServiceManager>(paths, children);
    return std::make_unique<ProcessServiceManager>(paths);
}

std::optional<pid_t> running_bvd_pid(const HostPaths& paths) {
    // Read, not locked: taking the lock even for a moment could make a bvd starting right
    // then give up ("another bvd is running").
    const auto holder = read_file_if_exists(paths.lock_file);
    if (!holder) return std::nullopt;
    pid_t pid = 0;
    try {
        pid = std::stoi(*holder);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    if (pid <= 0 || !process_exists(pid)) return std::nullopt;
    // A PID the file names may be reused by now, or a zombie: a live process called as bvd.
    const auto stat = read_file_if_exists("/proc/" + std::to_string(pid) + "/stat");
    if (!stat || stat->rfind(") Z") != std::string::npos) return std::nullopt;
    const auto command_line = read_file_if_exists("/proc/" + std::to_string(pid) + "/cmdline");
    if (!command_line || command_line->find("bvd") == std::string::npos) return std::nullopt;
    return pid;
}

std::filesystem::path bvd_log_file(const HostPaths& paths) {
    return paths.root / "var/log/blockvisor/bvd.log";
}

}  // namespace bv::install
