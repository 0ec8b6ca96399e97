#pragma once

#include <chrono>
#include <cstdint>

namespace bv::babel {

// When to restart a process that exited: after base * 2^n, capped at max, where n counts
// the quick failures in a row; a run that lasted at least reset_after starts over at n = 0.
// Pure: the caller passes the times, so tests need no clock.
class BackoffPolicy {
public:
    using Clock = std::chrono::steady_clock;

    BackoffPolicy(std::chrono::milliseconds base, std::chrono::milliseconds max, std::chrono::milliseconds reset_after);

    // The process was started at `when`.
    void started(Clock::time_point when);
    // The process exited at `when`: how long to wait before starting it again.
    std::chrono::milliseconds delay_after_exit(Clock::time_point when);
    // Quick failures in a row so far.
    std::uint32_t failures() const { return failures_; }

private:
    std::chrono::milliseconds base_;
    std::chrono::milliseconds max_;
    std::chrono::milliseconds reset_after_;
    Clock::time_point started_{};
    std::uint32_t failures_ = 0;
};

}  // namespace bv::babel
