#include "common/child_processes.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>
#include <sstream>
#include <system_error>

#include "common/async.hpp"

extern char** environ;

namespace bv {
namespace {

constexpr auto as_tuple = asio::as_tuple(asio::use_awaitable);

struct UserIdentity {
    uid_t uid;
    gid_t gid;
    std::vector<gid_t> groups;
};

UserIdentity look_up_user(const std::string& name) {
    passwd entry{};
    passwd* found = nullptr;
    std::vector<char> buffer(16384);
    if (::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr) {
        throw std::system_error(ENOENT, std::generic_category(), "unknown user '" + name + "'");
    }
    UserIdentity identity{entry.pw_uid, entry.pw_gid, std::vector<gid_t>(64)};
    int count = static_cast<int>(identity.groups.size());
    if (::getgrouplist(name.c_str(), entry.pw_gid, identity.groups.data(), &count) < 0) {
        identity.groups.resize(static_cast<std::size_t>(count));
        ::getgrouplist(name.c_str(), entry.pw_gid, identity.groups.data(), &count);
    }
    identity.groups.resize(static_cast<std::size_t>(count));
    return identity;
}

std::string find_program(const std::string& program, const std::map<std::string, std::string>& environment) {
    if (program.find('/') != std::string::npos) return program;
    const auto path = environment.find("PATH");
    std::stringstream directories(path == environment.end() ? "/usr/local/bin:/usr/bin:/bin" : path->second);
    for (std::string directory; std::getline(directories, directory, ':');) {
        const auto candidate = (directory.empty() ? std::string(".") : directory) + "/" + program;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    throw std::system_error(ENOENT, std::generic_category(), "cannot run '" + program + "': not found in PATH");
}

struct Pipe {
    int read = -1;
    int write = -1;
};

Pipe make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "cannot create a pipe");
    return {fds[0], fds[1]};
}

// In the forked child of a spawn that switches users (spawn_without_copying does the same set-up
// for every other child): only async-signal-safe calls from here on.
[[noreturn]] void exec_child(const SpawnOptions& options, const std::string& program, char* const* argv,
                             char* const* envp, const UserIdentity& user, Pipe out, Pipe err, int report_fd) {
    auto fail = [&]() {
        const int error = errno;
        [[maybe_unused]] auto ignored = ::write(report_fd, &error, sizeof error);
        ::_exit(127);
    };
    if (options.new_session) {
        if (::setsid() < 0) fail();
    } else if (options.new_process_group && ::setpgid(0, 0) != 0) {
        fail();
    }
    // Asio blocks and handles some signals in this process; the child starts clean.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int signal_number = 1; signal_number < NSIG; ++signal_number) ::signal(signal_number, SIG_DFL);
    const int null = ::open("/dev/null", O_RDWR);
    if (null < 0 || ::dup2(null, STDIN_FILENO) < 0) fail();
    if (out.write >= 0 && ::dup2(out.write, STDOUT_FILENO) < 0) fail();
    if (err.write >= 0 && ::dup2(err.write, STDERR_FILENO) < 0) fail();
    if (out.write < 0 && !options.output_file.empty()) {
        const int log = ::open(options.output_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (log < 0 || ::dup2(log, STDOUT_FILENO) < 0 || ::dup2(log, STDERR_FILENO) < 0) fail();
    }
    // Descriptors this process opened without O_CLOEXEC (sockets among them) must not leak
    // into the child: a listening socket held by a child would swallow connections.
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    if (!options.working_directory.empty() && ::chdir(options.working_directory.c_str()) != 0) fail();
    if (::setgroups(user.groups.size(), user.groups.data()) != 0 || ::setgid(user.gid) != 0 || ::setuid(user.uid) != 0) {
        fail();
    }
    ::execve(program.c_str(), argv, envp);
    fail();
    ::_exit(127);
}

// posix_spawn: glibc starts the child with vfork's semantics (CLONE_VM | CLONE_VFORK), so none
// of this process's page tables are copied and this process takes no copy-on-write faults
// after the child is gone. It does what exec_child does, except switching users (no spawn
// attribute for that: such a child is forked). Returns the error of the child's set-up or
// exec, 0 when it runs.
int spawn_without_copying(const SpawnOptions& options, const std::string& program, char* const* argv, char* const* envp,
                          const Pipe& out, const Pipe& err, pid_t& pid) {
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_t actions;
    if (const int error = posix_spawnattr_init(&attributes)) return error;
    if (const int error = posix_spawn_file_actions_init(&actions)) {
        posix_spawnattr_destroy(&attributes);
        return error;
    }
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (options.new_session) {
        flags |= POSIX_SPAWN_SETSID;
    } else if (options.new_process_group) {
        flags |= POSIX_SPAWN_SETPGROUP;
    }
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    // Each step's error (ENOMEM at most) ends the spawn: a child without one of them would run
    // set up otherwise than asked.
    int error = posix_spawnattr_setflags(&attributes, flags);
    if (!error) error = posix_spawnattr_setpgroup(&attributes, 0);
    if (!error) error = posix_spawnattr_setsigmask(&attributes, &none);
    if (!error) error = posix_spawnattr_setsigdefault(&attributes, &all);
    if (!error) error = posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDWR, 0);
    if (!error && out.write >= 0) error = posix_spawn_file_actions_adddup2(&actions, out.write, STDOUT_FILENO);
    if (!error && err.write >= 0) error = posix_spawn_file_actions_adddup2(&actions, err.write, STDERR_FILENO);
    if (!error && out.write < 0 && !options.output_file.empty()) {
        error = posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, options.output_file.c_str(),
                                                 O_WRONLY | O_CREAT | O_APPEND, 0640);
        if (!error) error = posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    }
    // As in exec_child: nothing this process opened reaches the child.
    if (!error) error = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    if (!error && !options.working_directory.empty()) {
        error = posix_spawn_file_actions_addchdir_np(&actions, options.working_directory.c_str());
    }
    if (!error) error = ::posix_spawn(&pid, program.c_str(), &actions, &attributes, argv, envp);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    return error;
}

// What a failed start names besides the program: what it was to write to, where it was to run.
std::string spawn_context(const SpawnOptions& options) {
    std::string context;
    if (!options.capture_output && !options.output_file.empty()) context += ", its output to " + options.output_file.string();
    if (!options.working_directory.empty()) context += ", in " + options.working_directory.string();
    return context.empty() ? context : " (" + context.substr(2) + ")";
}

}  // namespace

std::string ExitStatus::describe() const {
    if (signal != 0) return "killed by signal " + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
    return "exited with code " + std::to_string(code);
}

ChildProcesses::ChildProcesses(asio::any_io_executor executor, bool reap_orphans)
    : executor_(executor), child_signals_(executor, SIGCHLD), reap_orphans_(reap_orphans) {
    start_listening();
}

ChildProcesses::~ChildProcesses() {
    boost::system::error_code ignored;
    child_signals_.cancel(ignored);
}

void ChildProcesses::start_listening() {
    child_signals_.async_wait([this](const boost::system::error_code& ec, int) {
        if (ec) return;
        collect_exits();
        start_listening();
    });
}

void ChildProcesses::collect_exits() {
    const auto record = [this](pid_t pid, int raw) {
        const auto found = children_.find(pid);
        if (found == children_.end()) return;  // an orphan: reaped, nobody waits for it
        if (found->second.abandoned) {
            children_.erase(found);
            return;
        }
        ExitStatus status;
        if (WIFEXITED(raw)) status.code = WEXITSTATUS(raw);
        if (WIFSIGNALED(raw)) status.signal = WTERMSIG(raw);
        found->second.status = status;
        for (auto* waiter : found->second.waiters) waiter->cancel();
    };
    int raw = 0;
    if (reap_orphans_) {
        for (pid_t pid; (pid = ::waitpid(-1, &raw, WNOHANG)) > 0;) record(pid, raw);
        return;
    }
    for (auto& [pid, child] : children_) {
        if (!child.status && ::waitpid(pid, &raw, WNOHANG) == pid) record(pid, raw);
    }
}

ChildProcess ChildProcesses::spawn(const SpawnOptions& options) {
    if (options.argv.empty()) throw std::invalid_argument("spawn: no program given");
    const auto program = find_program(options.argv[0], options.environment);
    const auto user = options.user.empty() ? std::nullopt : std::optional(look_up_user(options.user));
    std::vector<std::string> environment_entries;
    for (const auto& [name, value] : options.environment) environment_entries.push_back(name + "=" + value);
    std::vector<char*> envp;
    for (auto& entry : environment_entries) envp.push_back(entry.data());
    envp.push_back(nullptr);
    std::vector<std::string> arguments = options.argv;
    std::vector<char*> argv;
    for (auto& argument : arguments) argv.push_back(argument.data());
    argv.push_back(nullptr);

    Pipe out, err, report;
    const auto close_all = [&] {
        for (const int fd : {out.read, out.write, err.read, err.write, report.read, report.write}) {
            if (fd >= 0) ::close(fd);
        }
    };
    pid_t pid = -1;
    int exec_error = 0;
    try {
        if (options.capture_output) {
            out = make_pipe();
            err = make_pipe();
        }
        if (user) {
            report = make_pipe();
            pid = ::fork();
            if (pid < 0) throw std::system_error(errno, std::generic_category(), "cannot fork to run " + program);
        } else {
            exec_error = spawn_without_copying(options, program, argv.data(), envp.data(), out, err, pid);
        }
    } catch (...) {
        close_all();
        throw;
    }
    if (pid == 0) exec_child(options, program, argv.data(), envp.data(), *user, out, err, report.write);

    for (int* fd : {&report.write, &out.write, &err.write}) {
        if (*fd >= 0) ::close(*fd);
        *fd = -1;
    }
    if (report.read >= 0) {
        ssize_t reported;
        do {
            reported = ::read(report.read, &exec_error, sizeof exec_error);
        } while (reported < 0 && errno == EINTR);
        ::close(report.read);
        report.read = -1;
        if (reported == sizeof exec_error) {
            // The child could not exec and is exiting right now.
            ::waitpid(pid, nullptr, 0);
        }
    }
    if (exec_error != 0) {
        close_all();
        throw std::system_error(exec_error, std::generic_category(), "cannot run " + program + spawn_context(options));
    }
    // A PID seen before (and reaped) may come back: this is a new child.
    children_[pid] = Child{};
    ChildProcess child;
    child.pid = pid;
    if (out.read >= 0) child.stdout_pipe.emplace(executor_, out.read);
    if (err.read >= 0) child.stderr_pipe.emplace(executor_, err.read);
    return child;
}

asio::awaitable<ExitStatus> ChildProcesses::wait(pid_t pid) {
    auto found = children_.find(pid);
    if (found == children_.end()) throw std::logic_error("wait for a process that was not spawned here");
    asio::steady_timer exited(executor_, std::chrono::steady_clock::time_point::max());
    while (!found->second.status) {
        auto waiter = found->second.waiters.insert(found->second.waiters.end(), &exited);
        // Cancelled by collect_exits when the child exits; an outer cancellation throws here.
        auto [ec] = co_await exited.async_wait(as_tuple);
        found = children_.find(pid);
        found->second.waiters.erase(waiter);
        if (ec != asio::error::operation_aborted) continue;
        auto state = co_await asio::this_coro::cancellation_state;
        if (state.cancelled() != asio::cancellation_type::none) throw boost::system::system_error(ec);
    }
    const auto status = *found->second.status;
    if (found->second.waiters.empty()) children_.erase(found);
    co_return status;
}

asio::awaitable<std::optional<ExitStatus>> ChildProcesses::wait_for(pid_t pid, std::chrono::milliseconds timeout) {
    co_return co_await with_timeout(wait(pid), timeout);
}

asio::awaitable<ExitStatus> ChildProcesses::stop_group(pid_t pid, std::chrono::milliseconds timeout) {
    ::kill(-pid, SIGTERM);
    const auto status = co_await wait_for(pid, timeout);
    if (status) co_return *status;
    ::kill(-pid, SIGKILL);
    co_return co_await wait(pid);
}

void ChildProcesses::abandon(pid_t pid) {
    const auto found = children_.find(pid);
    if (found == children_.end()) return;
    if (found->second.status) {
        children_.erase(found);
    } else {
        found->second.abandoned = true;
    }
}

bool ChildProcesses::running(pid_t pid) const {
    const auto found = children_.find(pid);
    return found != children_.end() && !found->second.status;
}

asio::awaitable<CommandResult> run_command(ChildProcesses& children, SpawnOptions options,
                                           std::chrono::milliseconds timeout, std::size_t output_limit) {
    options.capture_output = true;
    auto child = children.spawn(options);
    const pid_t pid = child.pid;
    // Whatever ends this coroutine early (an exception, the caller's cancellation), the
    // process group goes with it.
    struct KillOnEarlyExit {
        ChildProcesses& children;
        pid_t pid;
        bool armed = true;
        ~KillOnEarlyExit() {
            if (!armed) return;
            ::kill(-pid, SIGKILL);
            children.abandon(pid);
        }
    } guard{children, pid};

    CommandResult result;
    auto read_out = [&]() -> asio::awaitable<void> {
        result.out_complete = co_await read_all(*child.stdout_pipe, result.out, output_limit);
    };
    auto read_err = [&]() -> asio::awaitable<void> { co_await read_all(*child.stderr_pipe, result.err, 64 * 1024); };
    auto record_exit = [&]() -> asio::awaitable<void> { result.status = co_await children.wait(pid); };
    using namespace asio::experimental::awaitable_operators;
    const bool finished = co_await with_timeout(read_out() && read_err() && record_exit(), timeout);
    if (!finished) {
        // Also when the process exited but something it started still holds its output.
        result.timed_out = true;
        ::kill(-pid, SIGKILL);
        if (!result.status) result.status = co_await children.wait(pid);
    }
    guard.armed = false;
    co_return result;
}

std::map<std::string, std::string> current_environment() {
    std::map<std::string, std::string> environment;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string_view text = *entry;
        const auto equals = text.find('=');
        if (equals != std::string_view::npos) environment[std::string(text.substr(0, equals))] = text.substr(equals + 1);
    }
    return environment;
}

asio::awaitable<bool> read_all(asio::posix::stream_descriptor& pipe, std::string& output, std::size_t limit) {
    bool fit = true;
    char buffer[16384];
    for (;;) {
        auto [ec, read] = co_await pipe.async_read_some(asio::buffer(buffer), as_tuple);
        if (ec) break;
        const auto room = limit > output.size() ? limit - output.size() : 0;
        if (read > room) fit = false;
        output.append(buffer, std::min(read, room));
    }
    co_return fit;
}

}  // namespace bv
