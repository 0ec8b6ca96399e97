#pragma once

// Logging for every mode. spdlog stays inside log.cpp (it is heavy to compile); callers
// format with fmt.

#include <fmt/core.h>

#include <exception>
#include <string>
#include <string_view>
#include <utility>

namespace bv::log {

enum class Level { debug, info, warn, error, off };

// Logs go to stderr. When stderr is the systemd journal (JOURNAL_STREAM is set), each line
// starts with its syslog priority (`<6>`) and carries no timestamp: journald adds both.
void init(std::string_view program, Level level);
Level parse_level(std::string_view name);  // "debug", "info", ...; unknown names give info
void write(Level level, std::string_view message);
bool enabled(Level level);

template <class... Args>
void debug(fmt::format_string<Args...> format, Args&&... args) {
    if (enabled(Level::debug)) write(Level::debug, fmt::format(format, std::forward<Args>(args)...));
}
template <class... Args>
void info(fmt::format_string<Args...> format, Args&&... args) {
    if (enabled(Level::info)) write(Level::info, fmt::format(format, std::forward<Args>(args)...));
}
template <class... Args>
void warn(fmt::format_string<Args...> format, Args&&... args) {
    if (enabled(Level::warn)) write(Level::warn, fmt::format(format, std::forward<Args>(args)...));
}
template <class... Args>
void error(fmt::format_string<Args...> format, Args&&... args) {
    if (enabled(Level::error)) write(Level::error, fmt::format(format, std::forward<Args>(args)...));
}

// A completion handler for a detached coroutine: logs what it threw, naming `task`, so that
// nothing dies silently.
struct LogFailure {
    std::string task;
    void operator()(std::exception_ptr error) const;
};

}  // namespace bv::log
