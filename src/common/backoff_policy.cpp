#include "common/backoff_policy.hpp"

#include <algorithm>

namespace bv {
namespace {

// A signed 64-bit count of milliseconds cannot double more often than this without
// exceeding any cap, so more failures change nothing.
constexpr std::uint32_t kMaxDoublings = 63;

// base * 2^doublings, capped at max, without overflowing on the way.
std::chrono::milliseconds capped_exponential(std::chrono::milliseconds base,
                                             std::uint32_t doublings,
                                             std::chrono::milliseconds max) {
    auto delay = std::min(base, max);
    for (std::uint32_t i = 0; i < std::min(doublings, kMaxDoublings) && delay < max; ++i) {
        delay = delay > max / 2 ? max : delay * 2;
    }
    return delay;
}

}  // namespace

BackoffPolicy::BackoffPolicy(std::chrono::milliseconds base, std::chrono::milliseconds max,
                             std::chrono::milliseconds reset_after)
    : base_(base), max_(max), reset_after_(reset_after) {}

void BackoffPolicy::started(Clock::time_point when) {
    started_ = when;
}

std::chrono::milliseconds BackoffPolicy::delay_after_exit(Clock::time_point when) {
    if (when - started_ >= reset_after_) failures_ = 0;
    const auto delay = capped_exponential(base_, failures_, max_);
    ++failures_;
    return delay;
}

std::chrono::milliseconds full_jitter(std::chrono::milliseconds delay, std::uint64_t random) {
    if (delay.count() <= 0) return std::chrono::milliseconds(0);
    return std::chrono::milliseconds(static_cast<std::int64_t>(random % (static_cast<std::uint64_t>(delay.count()) + 1)));
}

std::chrono::milliseconds within_a_tenth(std::chrono::milliseconds interval, std::uint64_t random) {
    const auto tenth = interval / 10;
    return interval - tenth + full_jitter(2 * tenth, random);
}

}  // namespace bv
