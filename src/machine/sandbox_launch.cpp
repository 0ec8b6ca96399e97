#include "machine/sandbox_launch.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>
#include <system_error>

#include "machine/sandbox_spawner.hpp"

namespace bv::machine {
namespace {

// Everything PID 1 needs, prepared by the launcher before it forks PID 1: after that fork,
// only system calls.
struct Plan {
    std::string root;
    std::string overlay_options;
    std::vector<std::string> directories;                        // created inside root, in order
    std::vector<std::string> files;                              // empty files, bind-mount targets
    std::vector<std::pair<std::string, std::string>> tmpfs;      // target, options
    std::vector<std::pair<std::string, std::string>> binds;      // source, target
    std::string proc;
    std::string hostname;
    std::string console_log;
    std::vector<std::string> argv;
    std::vector<std::string> environment;
    int namespaces = 0;
    int listen_fd = -1;
    int go_fd = -1;  // PID 1 becomes babelsup at its EOF: once bvd's before_exec is done
};

// Step names for error reports from the child (indexes are sent through a pipe).
constexpr std::array<const char*, 14> kSteps{
    "creating namespaces", "making mounts private",   "mounting the overlay root", "creating a mount point",
    "mounting a tmpfs",    "bind-mounting",           "mounting /proc",            "setting the hostname",
    "chroot",              "opening the console log", "starting babelsup",         "forking PID 1",
    "handing on babelsup's socket", "forking the launcher"};
constexpr int kForkingTheLauncher = 13;

struct Failure {
    int step;
    int error;
};

Plan make_plan(const SandboxLayout& layout, int listen_fd, int go_fd) {
    Plan plan;
    plan.root = layout.root.string();
    plan.overlay_options = overlay_mount_options(layout.image_rootfs, layout.upper, layout.work);
    const auto in_root = [&](const char* path) { return plan.root + path; };
    for (const char* directory : {"/proc", "/dev", "/tmp", "/run", kSandboxChannelDir, "/var", "/var/lib",
                                  kSandboxStateDir, kSandboxDataVolume, "/usr", "/usr/sbin"}) {
        plan.directories.push_back(in_root(directory));
    }
    plan.tmpfs = {{in_root("/dev"), "mode=755"}, {in_root("/tmp"), "mode=1777"}};
    for (const char* device : {"null", "zero", "full", "random", "urandom", "tty"}) {
        const auto target = in_root("/dev/") + device;
        plan.files.push_back(target);
        plan.binds.push_back({std::string("/dev/") + device, target});
    }
    plan.files.push_back(in_root(kSandboxBabelsup));
    plan.binds.push_back({layout.channel_dir.string(), in_root(kSandboxChannelDir)});
    plan.binds.push_back({layout.state_dir.string(), in_root(kSandboxStateDir)});
    plan.binds.push_back({layout.data_dir.string(), in_root(kSandboxDataVolume)});
    plan.binds.push_back({layout.babelsup_binary.string(), in_root(kSandboxBabelsup)});
    plan.proc = in_root("/proc");
    plan.hostname = layout.hostname;
    plan.console_log = layout.console_log.string();
    plan.argv = {kSandboxBabelsup, "--state-dir", kSandboxStateDir, "--channel",
                 std::string("unix:") + kSandboxChannelDir, "--data-volume", kSandboxDataVolume,
                 "--listen-fd", std::to_string(listen_fd)};
    plan.listen_fd = listen_fd;
    plan.go_fd = go_fd;
    // A clean environment: nothing of bvd's leaks into the node (a LANG without locale files
    // in the image makes C++ programs such as litecoind abort).
    plan.environment = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"};
    plan.namespaces = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | (layout.own_network ? CLONE_NEWNET : 0);
    return plan;
}

void report(int report_fd, int step) {
    const Failure failure{step, errno};
    [[maybe_unused]] auto ignored = ::write(report_fd, &failure, sizeof failure);
}

[[noreturn]] void fail(int report_fd, int step) {
    report(report_fd, step);
    ::_exit(127);
}

// Closes every descriptor from 3 up but those in `keep` (-1: none). A sandbox's PID 1 holds
// copies of whatever bvd had open when it forked, the go pipes of other sandboxes starting at
// the same time among them: two PID 1s each holding the other's write end until its own exec
// waited for each other for good (NodeHost.TwentyNodesStartConcurrently hung).
void close_all_but(std::array<int, 4> keep) {
    std::sort(keep.begin(), keep.end());
    unsigned first = 3;
    for (const int fd : keep) {
        if (fd < static_cast<int>(first)) continue;
        if (static_cast<unsigned>(fd) > first) ::close_range(first, static_cast<unsigned>(fd) - 1, 0);
        first = static_cast<unsigned>(fd) + 1;
    }
    ::close_range(first, ~0U, 0);
}

// PID 1 of the sandbox: set up its root and become babelsup.
[[noreturn]] void become_babelsup(const Plan& plan, int console_fd, char* const* argv, char* const* envp, int report_fd) {
    close_all_but({console_fd, report_fd, plan.listen_fd, plan.go_fd});
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) fail(report_fd, 1);
    if (::mount("overlay", plan.root.c_str(), "overlay", 0, plan.overlay_options.c_str()) != 0) fail(report_fd, 2);
    for (const auto& directory : plan.directories) {
        if (::mkdir(directory.c_str(), 0755) != 0 && errno != EEXIST) fail(report_fd, 3);
    }
    for (const auto& [target, options] : plan.tmpfs) {
        if (::mount("tmpfs", target.c_str(), "tmpfs", MS_NOSUID, options.c_str()) != 0) fail(report_fd, 4);
    }
    for (const auto& file : plan.files) {
        const int fd = ::open(file.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        if (fd < 0) fail(report_fd, 3);
        ::close(fd);
    }
    for (const auto& [source, target] : plan.binds) {
        if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0) fail(report_fd, 5);
    }
    if (::mount("proc", plan.proc.c_str(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) fail(report_fd, 6);
    if (::sethostname(plan.hostname.data(), plan.hostname.size()) != 0) fail(report_fd, 7);
    if (::chroot(plan.root.c_str()) != 0 || ::chdir("/") != 0) fail(report_fd, 8);
    const int null = ::open("/dev/null", O_RDONLY);
    if (null < 0 || ::dup2(null, STDIN_FILENO) < 0 || ::dup2(console_fd, STDOUT_FILENO) < 0 ||
        ::dup2(console_fd, STDERR_FILENO) < 0) {
        fail(report_fd, 9);
    }
    ::setsid();
    // Nothing of bvd's (its listening socket above all) may stay open in the node: only
    // babelsup's own.
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    if (::fcntl(plan.listen_fd, F_SETFD, 0) != 0) fail(report_fd, 12);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int signal_number = 1; signal_number < NSIG; ++signal_number) ::signal(signal_number, SIG_DFL);
    // EOF once the caller's before_exec is done (or the caller is gone).
    char ignored = 0;
    while (::read(plan.go_fd, &ignored, 1) < 0 && errno == EINTR) {
    }
    ::execve(argv[0], argv, envp);
    fail(report_fd, 10);
}

// Reads exactly `size` bytes; false at EOF before that. Retries when a signal interrupts.
bool read_fully(int fd, void* data, std::size_t size) {
    auto* bytes = static_cast<char*>(data);
    std::size_t done = 0;
    while (done < size) {
        const auto read = ::read(fd, bytes + done, size - done);
        if (read < 0 && errno == EINTR) continue;
        if (read <= 0) return false;
        done += static_cast<std::size_t>(read);
    }
    return true;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> result;
    for (auto& text : strings) result.push_back(text.data());
    result.push_back(nullptr);
    return result;
}

// babelsup's listening socket at `path` (one left by an earlier run is replaced), close-on-exec
// here: PID 1 alone keeps it across its exec.
int listen_for_babelsup(const std::filesystem::path& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.native().size() >= sizeof address.sun_path) {
        throw std::system_error(ENAMETOOLONG, std::generic_category(), "babelsup's socket path " + path.string());
    }
    std::strcpy(address.sun_path, path.c_str());
    ::unlink(path.c_str());
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot create babelsup's socket");
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 || ::chmod(path.c_str(), 0600) != 0 ||
        ::listen(fd, SOMAXCONN) != 0) {
        const int error = errno;
        ::close(fd);
        throw std::system_error(error, std::generic_category(), "cannot listen on " + path.string());
    }
    return fd;
}

}  // namespace

std::string overlay_mount_options(const std::filesystem::path& lower, const std::filesystem::path& upper,
                                  const std::filesystem::path& work) {
    return "lowerdir=" + lower.string() + ",upperdir=" + upper.string() + ",workdir=" + work.string();
}

void report_launcher_fork_failure(const SandboxDescriptors& descriptors) { report(descriptors.report, kForkingTheLauncher); }

void run_sandbox_launcher(const SandboxLayout& layout, const SandboxDescriptors& descriptors) {
    auto plan = make_plan(layout, descriptors.listen, descriptors.go);
    auto argv = pointers(plan.argv);
    auto envp = pointers(plan.environment);
    if (::unshare(plan.namespaces) != 0) fail(descriptors.report, 0);
    const pid_t init = ::fork();
    if (init < 0) fail(descriptors.report, 11);
    if (init == 0) become_babelsup(plan, descriptors.console, argv.data(), envp.data(), descriptors.report);
    [[maybe_unused]] auto ignored = ::write(descriptors.pid, &init, sizeof init);
    ::_exit(0);
}

pid_t launch_sandbox(SandboxSpawner& spawner, const SandboxLayout& layout, const std::function<void(pid_t)>& before_exec) {
    // Closed on every way out; -1 once closed.
    std::array<int, 7> fds{-1, -1, -1, -1, -1, -1, -1};
    auto& [listen_fd, console_fd, report_read, report_write, pid_read, pid_write, go_read] = fds;
    int go_write = -1;
    const auto close_all = [&] {
        for (int& fd : fds) {
            if (fd >= 0) ::close(std::exchange(fd, -1));
        }
        if (go_write >= 0) ::close(std::exchange(go_write, -1));
    };
    try {
        listen_fd = listen_for_babelsup(layout.babelsup_socket);
        console_fd = ::open(layout.console_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (console_fd < 0) throw std::system_error(errno, std::generic_category(), "cannot open " + layout.console_log.string());
        const auto make_pipe = [](int& read_end, int& write_end) {
            int ends[2];
            if (::pipe2(ends, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "cannot create pipes for a sandbox");
            read_end = ends[0];
            write_end = ends[1];
        };
        make_pipe(report_read, report_write);
        make_pipe(pid_read, pid_write);
        make_pipe(go_read, go_write);
        spawner.spawn(layout, {listen_fd, console_fd, report_write, pid_write, go_read});
    } catch (...) {
        close_all();
        throw;
    }
    // The spawner holds its own copies now; the launcher and PID 1 hold theirs.
    for (int* fd : {&report_write, &pid_write, &console_fd, &listen_fd, &go_read}) ::close(std::exchange(*fd, -1));
    pid_t init = -1;
    const bool got_pid = read_fully(pid_read, &init, sizeof init);
    if (got_pid) {
        try {
            before_exec(init);
        } catch (const std::exception&) {
            // PID 1 goes on without: before_exec reports its own problems.
        }
    }
    ::close(std::exchange(go_write, -1));
    // EOF when babelsup was exec'ed (the pipe is close-on-exec), a Failure otherwise.
    Failure failure{};
    const bool reported = read_fully(report_read, &failure, sizeof failure);
    close_all();
    if (reported) {
        throw std::system_error(failure.error, std::generic_category(),
                                std::string("sandbox for ") + layout.hostname + ": " +
                                    kSteps[static_cast<std::size_t>(failure.step) % kSteps.size()] + " failed");
    }
    if (!got_pid) throw std::runtime_error("sandbox for " + layout.hostname + ": the launcher did not report PID 1");
    return init;
}

}  // namespace bv::machine
