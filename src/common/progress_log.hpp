#pragma once

#include <chrono>
#include <cstdint>

namespace bv {

// When to log the progress of a long transfer: each time another tenth is done, and every
// `interval` while it moves between those. Time is passed in.
class ProgressLog {
public:
    using Clock = std::chrono::steady_clock;

    ProgressLog(std::uint64_t total, Clock::duration interval, Clock::time_point start)
        : total_(total), interval_(interval), last_time_(start) {}

    // Whether to log now that `done` bytes are; when it says so, the next line is due later.
    bool due(std::uint64_t done, Clock::time_point now) {
        const auto tenth = total_ == 0 ? 10 : done * 10 / total_;
        const bool due =
            tenth > last_tenth_ || (done > last_done_ && now - last_time_ >= interval_);
        if (due) {
            last_tenth_ = tenth;
            last_done_ = done;
            last_time_ = now;
        }
        return due;
    }

private:
    std::uint64_t total_;
    Clock::duration interval_;
    Clock::time_point last_time_;
    std::uint64_t last_tenth_ = 0;
    std::uint64_t last_done_ = 0;
};

}  // namespace bv
