#include "machine/sandbox_spawner.hpp"

#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

#include "common/log.hpp"

namespace bv::machine {
namespace {

constexpr std::size_t kDescriptorCount = 5;
// A layout is ten paths and a host name: far below this.
constexpr std::size_t kMaxMessage = 64 * 1024;
// The spawner's end of the socket pair, once it has closed everything else.
constexpr int kSpawnerSocket = 3;

std::array<int, kDescriptorCount> as_array(const SandboxDescriptors& descriptors) {
    return {descriptors.listen, descriptors.console, descriptors.report, descriptors.pid, descriptors.go};
}

// The layout's paths, in the message's order.
template <class Layout>
auto paths_of(Layout& layout) {
    return std::array{&layout.image_rootfs, &layout.upper,     &layout.work,           &layout.root,
                      &layout.channel_dir,  &layout.state_dir, &layout.data_dir,       &layout.babelsup_binary,
                      &layout.console_log,  &layout.babelsup_socket};
}

// Waits for `pid`, a child, to exit (how it ended is of no use here).
void reap(pid_t pid) {
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
}

// One start: forks its launcher; its PID, or -1 when the fork failed (reported to bvd).
pid_t launch(const SandboxLayout& layout, const SandboxDescriptors& descriptors) {
    const pid_t launcher = ::fork();
    if (launcher == 0) run_sandbox_launcher(layout, descriptors);
    if (launcher < 0) report_launcher_fork_failure(descriptors);
    return launcher;
}

// The spawner's life: one start per message until bvd's end closes. Single-threaded, so the
// launchers it forks may allocate (make their plans) before they fork PID 1.
[[noreturn]] void serve(int socket) {
    ::prctl(PR_SET_NAME, "bvd-spawner");
    // Nothing of bvd's: neither its descriptors nor its signal handlers (written for its loop).
    if (::dup2(socket, kSpawnerSocket) < 0) ::_exit(1);
    ::close_range(kSpawnerSocket + 1, ~0U, 0);
    for (int signal_number = 1; signal_number < NSIG; ++signal_number) ::signal(signal_number, SIG_DFL);
    // A start whose bvd side is gone must not kill the spawner when it reports a failure.
    ::signal(SIGPIPE, SIG_IGN);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);

    std::vector<char> buffer(kMaxMessage);
    for (;;) {
        iovec data{buffer.data(), buffer.size()};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kDescriptorCount)];
        msghdr message{};
        message.msg_iov = &data;
        message.msg_iovlen = 1;
        message.msg_control = control;
        message.msg_controllen = sizeof control;
        const auto received = ::recvmsg(kSpawnerSocket, &message, MSG_CMSG_CLOEXEC);
        if (received < 0 && errno == EINTR) continue;
        if (received <= 0) ::_exit(0);  // bvd is gone
        std::vector<int> fds;
        for (auto* header = CMSG_FIRSTHDR(&message); header != nullptr; header = CMSG_NXTHDR(&message, header)) {
            if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
            const auto count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            const auto* first = reinterpret_cast<const int*>(CMSG_DATA(header));
            fds.insert(fds.end(), first, first + count);
        }
        const bool whole = (message.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) == 0;
        const auto layout = whole ? decode_sandbox_layout({buffer.data(), static_cast<std::size_t>(received)}) : std::nullopt;
        // Anything else is no start of bvd's: its descriptors closed, bvd's side sees EOF on
        // both pipes ("the launcher did not report PID 1").
        pid_t launcher = -1;
        if (layout && fds.size() == kDescriptorCount) launcher = launch(*layout, {fds[0], fds[1], fds[2], fds[3], fds[4]});
        // Before the launcher is reaped: bvd sees the report pipe's EOF (babelsup exec'ed) only
        // once every copy of its write end is closed, and a copy held here until the spawner
        // was scheduled again widened the time between the exec and bvd's record of it.
        for (const int fd : fds) ::close(fd);
        if (launcher > 0) reap(launcher);
    }
}

}  // namespace

SandboxSpawner::SandboxSpawner() { fork_spawner(); }

SandboxSpawner::~SandboxSpawner() {
    // EOF: the spawner exits. Reaped here unless bvd's reaper of orphans was first.
    if (socket_ >= 0) ::close(socket_);
    if (pid_ > 0) reap(pid_);
}

void SandboxSpawner::fork_spawner() {
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) != 0) {
        throw std::system_error(errno, std::generic_category(), "cannot create the sandbox spawner's socket pair");
    }
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(ends[0]);
        serve(ends[1]);
    }
    const int fork_error = errno;
    ::close(ends[1]);
    if (pid < 0) {
        ::close(ends[0]);
        throw std::system_error(fork_error, std::generic_category(), "cannot fork the sandbox spawner");
    }
    socket_ = ends[0];
    pid_ = pid;
}

bool SandboxSpawner::send(const std::string& request, const SandboxDescriptors& descriptors) {
    const auto fds = as_array(descriptors);
    iovec data{const_cast<char*>(request.data()), request.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof fds)]{};
    msghdr message{};
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    auto* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof fds);
    std::memcpy(CMSG_DATA(header), fds.data(), sizeof fds);
    for (;;) {
        if (::sendmsg(socket_, &message, MSG_NOSIGNAL) >= 0) return true;
        if (errno == EINTR) continue;
        if (errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN) return false;
        throw std::system_error(errno, std::generic_category(), "cannot hand a sandbox's start to the sandbox spawner");
    }
}

void SandboxSpawner::spawn(const SandboxLayout& layout, const SandboxDescriptors& descriptors) {
    const auto request = encode_sandbox_layout(layout);
    std::lock_guard lock(mutex_);
    if (send(request, descriptors)) return;
    log::warn("the sandbox spawner (PID {}) is gone: forking a new one", pid_);
    ::close(std::exchange(socket_, -1));
    fork_spawner();
    if (!send(request, descriptors)) {
        throw std::system_error(EPIPE, std::generic_category(), "the sandbox spawner forked again is gone at once");
    }
}

std::string encode_sandbox_layout(const SandboxLayout& layout) {
    std::string message;
    for (const auto* path : paths_of(layout)) {
        message += path->native();
        message += '\0';
    }
    message += layout.hostname;
    message += '\0';
    message += layout.own_network ? '1' : '0';
    message += '\0';
    return message;
}

std::optional<SandboxLayout> decode_sandbox_layout(std::string_view message) {
    std::vector<std::string_view> fields;
    while (!message.empty()) {
        const auto end = message.find('\0');
        if (end == std::string_view::npos) return std::nullopt;  // a field without its end
        fields.push_back(message.substr(0, end));
        message.remove_prefix(end + 1);
    }
    SandboxLayout layout;
    auto paths = paths_of(layout);
    if (fields.size() != paths.size() + 2 || (fields.back() != "0" && fields.back() != "1")) return std::nullopt;
    for (std::size_t i = 0; i < paths.size(); ++i) *paths[i] = std::string(fields[i]);
    layout.hostname = std::string(fields[paths.size()]);
    layout.own_network = fields.back() == "1";
    return layout;
}

}  // namespace bv::machine
