#include "common/backoff_policy.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace bv {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = BackoffPolicy::Clock;

constexpr milliseconds kBase{100};
constexpr milliseconds kMax{1000};
constexpr milliseconds kResetAfter{60'000};

// Starts the process at `now` and lets it run for `run`; returns the delay before the restart.
milliseconds run_and_exit(BackoffPolicy& policy, Clock::time_point& now, milliseconds run) {
    policy.started(now);
    now += run;
    const auto delay = policy.delay_after_exit(now);
    now += delay;
    return delay;
}

TEST(BackoffPolicy, QuickFailuresDoubleTheDelayUpToTheCap) {
    BackoffPolicy policy(kBase, kMax, kResetAfter);
    auto now = Clock::time_point{} + seconds(1000);
    std::vector<milliseconds> delays;
    for (int i = 0; i < 7; ++i) delays.push_back(run_and_exit(policy, now, milliseconds(5)));
    EXPECT_EQ(delays,
              (std::vector<milliseconds>{milliseconds(100), milliseconds(200), milliseconds(400),
                                         milliseconds(800), milliseconds(1000), milliseconds(1000),
                                         milliseconds(1000)}));
    EXPECT_EQ(policy.failures(), 7u);
}

TEST(BackoffPolicy, LongRunResetsTheDelayToTheBase) {
    BackoffPolicy policy(kBase, kMax, kResetAfter);
    auto now = Clock::time_point{} + seconds(1000);
    for (int i = 0; i < 4; ++i) run_and_exit(policy, now, milliseconds(5));
    EXPECT_EQ(run_and_exit(policy, now, kResetAfter), kBase);
    EXPECT_EQ(policy.failures(), 1u);
    EXPECT_EQ(run_and_exit(policy, now, milliseconds(5)), milliseconds(200));
}

TEST(BackoffPolicy, RunJustShorterThanTheResetTimeKeepsDoubling) {
    BackoffPolicy policy(kBase, kMax, kResetAfter);
    auto now = Clock::time_point{} + seconds(1000);
    run_and_exit(policy, now, milliseconds(5));
    EXPECT_EQ(run_and_exit(policy, now, kResetAfter - milliseconds(1)), milliseconds(200));
    EXPECT_EQ(policy.failures(), 2u);
}

TEST(BackoffPolicy, DelayStaysAtTheCapWithoutOverflowAfterHundredsOfFailures) {
    BackoffPolicy policy(kBase, milliseconds(300'000), kResetAfter);
    auto now = Clock::time_point{} + seconds(1000);
    milliseconds delay{};
    for (int i = 0; i < 500; ++i) {
        delay = run_and_exit(policy, now, milliseconds(1));
        ASSERT_GT(delay.count(), 0) << "after " << i << " failures";
        ASSERT_LE(delay, milliseconds(300'000)) << "after " << i << " failures";
    }
    EXPECT_EQ(delay, milliseconds(300'000));
}

TEST(BackoffPolicy, NoOverflowWhenTheCapIsTheLargestDuration) {
    BackoffPolicy policy(kBase, milliseconds::max(), kResetAfter);
    const auto when = Clock::time_point{} + seconds(1000);
    policy.started(when);
    milliseconds previous{};
    for (int i = 0; i < 100; ++i) {
        const auto delay = policy.delay_after_exit(when);
        ASSERT_GE(delay, previous) << "after " << i << " failures";
        previous = delay;
    }
    EXPECT_EQ(previous, milliseconds::max());
}

TEST(BackoffPolicy, BaseAboveTheCapIsCapped) {
    BackoffPolicy policy(seconds(3600), milliseconds(300'000), kResetAfter);
    auto now = Clock::time_point{} + seconds(1000);
    EXPECT_EQ(run_and_exit(policy, now, milliseconds(5)), milliseconds(300'000));
}

TEST(BackoffPolicy, FirstExitUsesTheBaseDelay) {
    BackoffPolicy policy(kBase, kMax, kResetAfter);
    auto now = Clock::time_point{} + seconds(1000);
    EXPECT_EQ(policy.failures(), 0u);
    EXPECT_EQ(run_and_exit(policy, now, milliseconds(5)), kBase);
}

TEST(FullJitter, StaysWithinZeroAndTheDelayAndSpreads) {
    EXPECT_EQ(full_jitter(milliseconds(0), 12345), milliseconds(0));
    EXPECT_EQ(full_jitter(milliseconds(1000), 0), milliseconds(0));
    EXPECT_EQ(full_jitter(milliseconds(1000), 1000), milliseconds(1000));
    EXPECT_EQ(full_jitter(milliseconds(1000), 1001), milliseconds(0));
    std::set<std::int64_t> seen;
    std::mt19937_64 random(42);
    for (int i = 0; i < 2000; ++i) {
        const auto delay = full_jitter(milliseconds(1000), random());
        EXPECT_GE(delay, milliseconds(0));
        EXPECT_LE(delay, milliseconds(1000));
        seen.insert(delay.count());
    }
    EXPECT_GT(seen.size(), 500u) << "the delays should spread over the range";
}

TEST(WithinATenth, SpreadsAnIntervalByATenthEitherWay) {
    EXPECT_EQ(within_a_tenth(milliseconds(1000), 0), milliseconds(900));
    EXPECT_EQ(within_a_tenth(milliseconds(1000), 200), milliseconds(1100));
    EXPECT_EQ(within_a_tenth(milliseconds(0), 7), milliseconds(0));
    std::set<std::int64_t> seen;
    std::mt19937_64 random(7);
    for (int i = 0; i < 2000; ++i) {
        const auto delay = within_a_tenth(milliseconds(3'600'000), random());
        EXPECT_GE(delay, milliseconds(3'240'000));
        EXPECT_LE(delay, milliseconds(3'960'000));
        seen.insert(delay.count());
    }
    EXPECT_GT(seen.size(), 1000u);
}

}  // namespace
}  // namespace bv
