#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace bv::daemon {

// The systemd notify protocol (sd_notify(3)): datagrams of "KEY=VALUE\n" lines to the
// AF_UNIX socket in $NOTIFY_SOCKET (a path, or an abstract name written with a leading '@'),
// for a service of Type=notify: READY=1 once it serves, STATUS= for `systemctl status`,
// WATCHDOG=1 at least every WatchdogSec. Without NOTIFY_SOCKET (not run by systemd) every call
// does nothing.
class SystemdNotifier {
public:
    // From the environment: NOTIFY_SOCKET, and WATCHDOG_USEC / WATCHDOG_PID (the watchdog is
    // ours when WATCHDOG_PID is unset or our pid).
    static SystemdNotifier from_environment();
    SystemdNotifier() = default;
    SystemdNotifier(std::string socket, std::optional<std::chrono::microseconds> watchdog)
        : socket_(std::move(socket)), watchdog_(watchdog) {}

    bool enabled() const { return !socket_.empty(); }
    // How often to send WATCHDOG=1: half of WATCHDOG_USEC (nullopt: no watchdog).
    std::optional<std::chrono::milliseconds> watchdog_interval() const;

    // Sends `state` ("READY=1\nSTATUS=serving"). Returns false (and logs once) when the send
    // fails: a missing supervisor must never stop bvd.
    bool notify(std::string_view state);
    bool ready(std::string_view status) { return notify("READY=1\nSTATUS=" + std::string(status)); }
    bool status(std::string_view status) { return notify("STATUS=" + std::string(status)); }
    bool watchdog() { return notify("WATCHDOG=1"); }
    bool stopping(std::string_view status) { return notify("STOPPING=1\nSTATUS=" + std::string(status)); }

private:
    std::string socket_;
    std::optional<std::chrono::microseconds> watchdog_;
    bool failure_logged_ = false;
};

// WATCHDOG_USEC's value as systemd sets it: decimal microseconds, > 0; nullopt otherwise.
std::optional<std::chrono::microseconds> parse_watchdog_usec(std::string_view text);

}  // namespace bv::daemon
