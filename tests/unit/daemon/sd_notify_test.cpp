// The systemd notify protocol against a real AF_UNIX datagram socket bound by the test, as
// systemd binds $NOTIFY_SOCKET: by path and by abstract name.

#include "daemon/sd_notify.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "support/process.hpp"

namespace bv::daemon {
namespace {

using namespace std::chrono_literals;

// A datagram socket bound to `name` (a path, or "@..." for an abstract name).
class NotifySocket {
public:
    explicit NotifySocket(const std::string& name) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::memcpy(address.sun_path, name.data(), name.size());
        if (name[0] == '@') address.sun_path[0] = '\0';
        const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
        EXPECT_EQ(::bind(fd_, reinterpret_cast<const sockaddr*>(&address), length), 0) << std::strerror(errno);
        timeval timeout{5, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    }
    ~NotifySocket() { ::close(fd_); }

    // The next datagram (empty after 5 s without one).
    std::string receive() {
        char buffer[4096];
        const auto received = ::recv(fd_, buffer, sizeof buffer, 0);
        return received > 0 ? std::string(buffer, static_cast<std::size_t>(received)) : std::string();
    }

private:
    int fd_ = -1;
};

TEST(SystemdNotify, ReadyStatusAndWatchdogReachASocketBoundByPath) {
    test::TempDir dir("bv-notify");
    const auto path = (dir.path() / "notify").string();
    NotifySocket socket(path);
    SystemdNotifier notifier(path, std::chrono::microseconds(10'000'000));
    ASSERT_TRUE(notifier.enabled());
    EXPECT_TRUE(notifier.status("loading nodes"));
    EXPECT_EQ(socket.receive(), "STATUS=loading nodes");
    EXPECT_TRUE(notifier.ready("serving 3 nodes"));
    EXPECT_EQ(socket.receive(), "READY=1\nSTATUS=serving 3 nodes");
    EXPECT_TRUE(notifier.watchdog());
    EXPECT_EQ(socket.receive(), "WATCHDOG=1");
    EXPECT_TRUE(notifier.stopping("stopping"));
    EXPECT_EQ(socket.receive(), "STOPPING=1\nSTATUS=stopping");
    EXPECT_EQ(notifier.watchdog_interval(), std::chrono::milliseconds(5000)) << "half of WATCHDOG_USEC";
}

TEST(SystemdNotify, AnAbstractNameStartsWithAnAt) {
    const auto name = "@bv-notify-test-" + std::to_string(::getpid());
    NotifySocket socket(name);
    SystemdNotifier notifier(name, std::nullopt);
    EXPECT_TRUE(notifier.ready("serving"));
    EXPECT_EQ(socket.receive(), "READY=1\nSTATUS=serving");
    EXPECT_FALSE(notifier.watchdog_interval()) << "no WATCHDOG_USEC: no watchdog";
}

TEST(SystemdNotify, WithoutNotifySocketNothingIsSentAndNothingFails) {
    ::unsetenv("NOTIFY_SOCKET");
    auto notifier = SystemdNotifier::from_environment();
    EXPECT_FALSE(notifier.enabled());
    EXPECT_TRUE(notifier.ready("serving"));
    EXPECT_FALSE(notifier.watchdog_interval());
}

TEST(SystemdNotify, TheEnvironmentGivesSocketAndWatchdogForThisProcessOnly) {
    test::TempDir dir("bv-notify");
    const auto path = (dir.path() / "notify").string();
    NotifySocket socket(path);
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
    ::setenv("WATCHDOG_USEC", "3000000", 1);
    ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
    auto ours = SystemdNotifier::from_environment();
    EXPECT_EQ(ours.watchdog_interval(), std::chrono::milliseconds(1500));
    EXPECT_TRUE(ours.watchdog());
    EXPECT_EQ(socket.receive(), "WATCHDOG=1");
    ::setenv("WATCHDOG_PID", "1", 1);
    EXPECT_FALSE(SystemdNotifier::from_environment().watchdog_interval()) << "another process's watchdog";
    for (const char* name : {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"}) ::unsetenv(name);
}

TEST(SystemdNotify, ABadSocketOrNoListenerFailsWithoutThrowing) {
    EXPECT_FALSE(SystemdNotifier("relative/path", std::nullopt).ready("x"));
    EXPECT_FALSE(SystemdNotifier("/nonexistent/notify", std::nullopt).ready("x"));
    EXPECT_FALSE(SystemdNotifier("/" + std::string(200, 'x'), std::nullopt).ready("x")) << "longer than sun_path";
}

TEST(SystemdNotify, WatchdogUsecParses) {
    EXPECT_EQ(parse_watchdog_usec("20000000"), std::chrono::microseconds(20'000'000));
    for (const char* bad : {"", "0", "-5", "12s", " 5", "99999999999999999999999"}) {
        EXPECT_FALSE(parse_watchdog_usec(bad)) << bad;
    }
}

}  // namespace
}  // namespace bv::daemon
