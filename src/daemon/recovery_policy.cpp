#include "daemon/recovery_policy.hpp"

namespace bv::daemon {

RecoveryDecision decide_recovery(const RecoveryView& node) {
    RecoveryDecision decision;
    if (node.busy) return decision;
    const bool healthy = node.machine_running && node.reported_running;
    if (healthy) {
        decision.reset_attempts = node.now - node.running_since > kStableRun;
        if (node.wants_running) return decision;
    }
    if (!node.wants_running && !node.machine_running) return decision;
    if (!node.has_image || node.now < node.next_attempt) return decision;
    if (node.wants_running && node.attempts >= node.max_attempts) {
        if (!node.gave_up) decision.action = RecoveryAction::give_up;
        return decision;
    }
    decision.action = RecoveryAction::attempt;
    return decision;
}

}  // namespace bv::daemon
