#include "daemon/recovery_policy.hpp"

#include <gtest/gtest.h>

namespace bv::daemon {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const Clock::time_point kNow = Clock::time_point{} + 1h;

// A node that should run and whose machine died: recovery's usual case.
RecoveryView failed_node() {
    return {.has_image = true, .wants_running = true, .attempts = 1, .max_attempts = 5, .now = kNow,
            .running_since = kNow - 5s, .next_attempt = kNow - 1s};
}

TEST(RecoveryPolicy, ADeadNodeThatShouldRunIsStartedOnceItsBackoffHasPassed) {
    EXPECT_EQ(decide_recovery(failed_node()).action, RecoveryAction::attempt);
    auto waiting = failed_node();
    waiting.next_attempt = kNow + 1s;
    EXPECT_EQ(decide_recovery(waiting).action, RecoveryAction::none) << "the backoff is not over";
}

TEST(RecoveryPolicy, AHealthyNodeIsLeftAloneAndItsCountStartsOverAfterAStableRun) {
    auto healthy = failed_node();
    healthy.machine_running = healthy.reported_running = true;
    EXPECT_EQ(decide_recovery(healthy).action, RecoveryAction::none);
    EXPECT_FALSE(decide_recovery(healthy).reset_attempts) << "5 s is not a stable run";
    healthy.running_since = kNow - kStableRun - 1s;
    EXPECT_TRUE(decide_recovery(healthy).reset_attempts);
}

TEST(RecoveryPolicy, OutOfAttemptsItGivesUpOnceAndWaitsForTheOperator) {
    auto exhausted = failed_node();
    exhausted.attempts = 5;
    EXPECT_EQ(decide_recovery(exhausted).action, RecoveryAction::give_up);
    exhausted.gave_up = true;
    EXPECT_EQ(decide_recovery(exhausted).action, RecoveryAction::none) << "given up already: not again, not a start";
    exhausted.attempts = 4;
    exhausted.gave_up = false;
    EXPECT_EQ(decide_recovery(exhausted).action, RecoveryAction::attempt) << "the fifth attempt";
}

TEST(RecoveryPolicy, ANodeThatShouldBeStoppedButRunsIsStoppedWhateverItsCount) {
    auto unwanted = failed_node();
    unwanted.wants_running = false;
    unwanted.machine_running = unwanted.reported_running = true;
    unwanted.attempts = 99;
    EXPECT_EQ(decide_recovery(unwanted).action, RecoveryAction::attempt);
    unwanted.machine_running = false;
    EXPECT_EQ(decide_recovery(unwanted).action, RecoveryAction::none) << "stopped as it should be";
}

TEST(RecoveryPolicy, HandsOffABusyNodeAndOneWithoutItsImage) {
    auto busy = failed_node();
    busy.busy = true;
    EXPECT_EQ(decide_recovery(busy).action, RecoveryAction::none);
    auto imageless = failed_node();
    imageless.has_image = false;
    EXPECT_EQ(decide_recovery(imageless).action, RecoveryAction::none);
}

TEST(RecoveryPolicy, AMachineUpButReportedFailedIsRecovered) {
    // Its start failed after the machine came up: bvd reported it failed, the machine still runs.
    auto half = failed_node();
    half.machine_running = true;
    EXPECT_EQ(decide_recovery(half).action, RecoveryAction::attempt);
}

}  // namespace
}  // namespace bv::daemon
