#include "common/log.hpp"

#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <string>

namespace bv::log {
namespace {

spdlog::level::level_enum to_spdlog(Level level) {
    switch (level) {
        case Level::debug: return spdlog::level::debug;
        case Level::info: return spdlog::level::info;
        case Level::warn: return spdlog::level::warn;
        case Level::error: return spdlog::level::err;
        case Level::off: return spdlog::level::off;
    }
    return spdlog::level::info;
}

// sd-daemon(3) priority prefixes, understood by journald on a service's stderr.
std::string_view journal_priority(Level level) {
    switch (level) {
        case Level::debug: return "<7>";
        case Level::info: return "<6>";
        case Level::warn: return "<4>";
        case Level::error: return "<3>";
        case Level::off: return "";
    }
    return "<6>";
}

bool logging_to_journal() { return std::getenv("JOURNAL_STREAM") != nullptr; }

std::string& program_name() {
    static std::string name = "blockvisor";
    return name;
}

std::shared_ptr<spdlog::logger>& logger() {
    static std::shared_ptr<spdlog::logger> instance = [] {
        auto created = std::make_shared<spdlog::logger>("bv", std::make_shared<spdlog::sinks::stderr_sink_mt>());
        created->set_level(spdlog::level::info);
        return created;
    }();
    return instance;
}

}  // namespace

void init(std::string_view program, Level level) {
    program_name() = program;
    auto& instance = logger();
    instance->set_level(to_spdlog(level));
    // The journal adds the time itself, and takes the priority from a prefix on each line.
    instance->set_pattern(logging_to_journal() ? "%v" : "%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    instance->flush_on(spdlog::level::trace);
}

Level parse_level(std::string_view name) {
    if (name == "debug") return Level::debug;
    if (name == "warn" || name == "warning") return Level::warn;
    if (name == "error") return Level::error;
    if (name == "off") return Level::off;
    return Level::info;
}

bool enabled(Level level) { return logger()->should_log(to_spdlog(level)); }

void write(Level level, std::string_view message) {
    if (logging_to_journal()) {
        logger()->log(to_spdlog(level), "{}{}: {}", journal_priority(level), program_name(), message);
    } else {
        logger()->log(to_spdlog(level), "{}: {}", program_name(), message);
    }
}

void LogFailure::operator()(std::exception_ptr error) const {
    if (!error) return;
    try {
        std::rethrow_exception(error);
    } catch (const boost::system::system_error& e) {
        // Cancelled: stopped on purpose (shutting down), not failed.
        if (e.code() == boost::asio::error::operation_aborted) return;
        write(Level::error, task + " failed: " + e.what());
    } catch (const std::exception& e) {
        write(Level::error, task + " failed: " + e.what());
    } catch (...) {
        write(Level::error, task + " failed");
    }
}

}  // namespace bv::log
