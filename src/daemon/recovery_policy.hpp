#pragma once

// What bvd's recovery loop does with one node at one tick, as a plain function of what it
// knows about the node: no machine, no clock, no I/O, so that every case is a unit test.

#include <chrono>
#include <cstdint>

namespace bv::daemon {

// A run this long counts as a recovery that worked: later failures start a new series.
inline constexpr std::chrono::seconds kStableRun{60};

struct RecoveryView {
    using Clock = std::chrono::steady_clock;
    bool busy = false;             // an operation holds the node, or it is deleted: hands off
    bool has_image = false;        // a node whose image is gone cannot be started
    bool machine_running = false;  // its machine (sandbox, VM) is up
    bool reported_running = false; // bvd's status for it is `running`
    bool wants_running = false;    // what it should be (desired)
    bool gave_up = false;          // recovery gave up on it already
    std::uint32_t attempts = 0;
    std::uint32_t max_attempts = 5;
    Clock::time_point now{};
    Clock::time_point running_since{};
    Clock::time_point next_attempt{};  // not before this (the backoff)
};

enum class RecoveryAction {
    none,     // as it should be, or busy, or waiting for its backoff
    attempt,  // start it again (or stop it, when it should be stopped but runs)
    give_up,  // out of attempts: `failed`, until an operator starts it
};

struct RecoveryDecision {
    RecoveryAction action = RecoveryAction::none;
    bool reset_attempts = false;  // it ran long enough: the count starts over
};

RecoveryDecision decide_recovery(const RecoveryView& node);

}  // namespace bv::daemon
