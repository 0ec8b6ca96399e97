#pragma once

// bv-installer's decisions, apart from what it does (installer_run): the seed's "BlockvisorD
// update" diagram as a plain state machine over a persisted run. Every step is idempotent, so
// a run killed during a step does that step again when the installer runs again.
//
//   check -> back_up -> notify_bvd -> switch_current -> restart -> wait_healthy -> clean_up ->
//   installed
//     |         |                          |              |             |
//   refused  refused               end_update_on_bvd   blacklist <------'
//   (nothing changed)              -> not_switched        |
//                                              rollback? report_broken -> broken
//                                              else      roll_back -> handed_over (the backup's
//                                              installer)
// back_up is skipped on a first install (nothing runs) and on a rollback (the running version
// is the blacklisted one).

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace bv::install {

enum class InstallStep {
    check,           // not blacklisted; the bundle is unpacked and its signature and checksums hold
    back_up,         // backup -> the running version
    notify_bvd,      // a running bvd is told an update starts (it finishes its node operations)
    switch_current,  // current -> the new version (a rename of a new symlink)
    restart,         // the service manager restarts bvd, now the new version
    wait_healthy,    // the new bvd answers Health as the new version before the deadline
    clean_up,        // versions other than current and backup removed
    end_update_on_bvd,  // nothing was switched: the old bvd is told the update ended
    blacklist,          // the new version failed: it is never installed again
    report_broken,      // a rollback failed: the control plane is told the host is broken
    roll_back,          // the backup's installer takes over (a rollback run of its own)
};

enum class InstallEnd {
    installed,     // the new version runs and is healthy
    refused,       // refused before anything changed (blacklisted, a bad bundle, disk full in the
                   // backup)
    not_switched,  // failed before the switch: the old version runs on
    handed_over,   // the backup's installer rolls back
    broken,        // the update and its rollback failed
};

// One installer run, as installer.json keeps it.
struct InstallRun {
    std::string version;    // being installed
    std::string previous;   // current when the run began; "" on a first install
    bool rollback = false;  // the run began with a blacklisted current: it puts the backup back
    InstallStep step = InstallStep::check;  // the step in progress
    std::optional<InstallEnd> end;          // set once the run ended
    std::string failure;                    // why the install failed, once a step did
    std::string rolls_back_because;         // a rollback: why the update it undoes failed
};

std::string_view step_name(InstallStep step);
std::optional<InstallStep> parse_step(std::string_view name);
std::string_view end_name(InstallEnd end);
std::optional<InstallEnd> parse_end(std::string_view name);

// installer.json's content, and back; parse throws std::runtime_error saying what is wrong.
std::string serialize_run(const InstallRun& run);
InstallRun parse_run(std::string_view json);

// What the installer asked for `requested` does when it starts.
struct StartDecision {
    enum class Kind { begin, resume, refuse } kind;
    InstallRun run;      // to begin or resume
    std::string reason;  // of a refusal, or why a persisted run is resumed instead
};
// `persisted`: installer.json's run, if any. `current`: the version current points at.
// An unfinished run is resumed (whatever was asked: two runs never interleave), except a run
// that handed over to the backup's installer, when that installer is the one starting.
// A blacklisted version is refused; a rollback is a run that begins with current blacklisted.
StartDecision decide_start(const std::optional<InstallRun>& persisted, const std::string& requested,
                           const std::optional<std::string>& current,
                           const std::set<std::string>& blacklist);

// The step after `run.step` when it succeeded (`succeeded`) or failed; nullopt when the run
// ends, with run.end set. Updates `run` (the step, the end).
std::optional<InstallStep> advance(InstallRun& run, bool succeeded);

// The installed versions to remove after a successful install: every version directory but
// current's and backup's. `installed`: names of the install directory's entries (non-version
// names such as "current", "blacklist" or dot files are never removed).
std::vector<std::string> versions_to_clean(const std::vector<std::string>& installed,
                                           const std::string& current,
                                           const std::optional<std::string>& backup);

}  // namespace bv::install
