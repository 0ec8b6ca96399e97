#pragma once

#include <chrono>
#include <cstdint>

namespace bv {

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

// "Full jitter": a delay drawn evenly from [0, delay] with `random` (any 64-bit value), so
// that many hosts that lost the same server do not all come back at the same instant.
// Pure: the caller passes the random value.
std::chrono::milliseconds full_jitter(std::chrono::milliseconds delay, std::uint64_t random);

// `interval` ± a tenth of it, drawn evenly with `random`: periodic work of many hosts (metrics
// reports, update checks) spread out instead of in step. Pure.
std::chrono::milliseconds within_a_tenth(std::chrono::milliseconds interval, std::uint64_t random);

}  // namespace bv
