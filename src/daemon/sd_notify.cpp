#include "daemon/sd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "common/log.hpp"

namespace bv::daemon {

std::optional<std::chrono::microseconds> parse_watchdog_usec(std::string_view text) {
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || value == 0) return std::nullopt;
    return std::chrono::microseconds(value);
}

SystemdNotifier SystemdNotifier::from_environment() {
    const char* socket = std::getenv("NOTIFY_SOCKET");
    if (socket == nullptr || *socket == '\0') return {};
    std::optional<std::chrono::microseconds> watchdog;
    if (const char* usec = std::getenv("WATCHDOG_USEC")) watchdog = parse_watchdog_usec(usec);
    // WATCHDOG_PID names the process the watchdog is for; a child that inherited it is not.
    if (const char* pid = std::getenv("WATCHDOG_PID"); pid != nullptr && std::to_string(::getpid()) != pid) {
        watchdog.reset();
    }
    return SystemdNotifier(socket, watchdog);
}

std::optional<std::chrono::milliseconds> SystemdNotifier::watchdog_interval() const {
    if (!watchdog_) return std::nullopt;
    return std::max(std::chrono::milliseconds(1), std::chrono::duration_cast<std::chrono::milliseconds>(*watchdog_ / 2));
}

bool SystemdNotifier::notify(std::string_view state) {
    if (socket_.empty()) return true;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (socket_.size() >= sizeof address.sun_path || (socket_[0] != '/' && socket_[0] != '@')) {
        if (!std::exchange(failure_logged_, true)) {
            log::warn("NOTIFY_SOCKET '{}' is neither a socket path nor an abstract name ('@...') of at most {} bytes: "
                      "systemd is not told",
                      socket_, sizeof address.sun_path - 1);
        }
        return false;
    }
    std::memcpy(address.sun_path, socket_.data(), socket_.size());
    // An abstract name: its first byte is NUL, and its length is exactly what was given.
    if (socket_[0] == '@') address.sun_path[0] = '\0';
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_.size());
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ssize_t sent = -1;
    int error = errno;
    if (fd >= 0) {
        sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&address),
                        length);
        error = errno;
        ::close(fd);
    }
    if (sent != static_cast<ssize_t>(state.size())) {
        if (!std::exchange(failure_logged_, true)) {
            log::warn("cannot notify systemd at {}: {}", socket_, std::strerror(error));
        }
        return false;
    }
    return true;
}

}  // namespace bv::daemon
