#pragma once

// BabelRunner::install's decisions, apart from its renames, process stops and health check:
// what comes after each step when it succeeded or failed, so that every fault ends with a
// known babel (the new one healthy, the previous one back, or none when there was none).
//
//   verify_upload -> set_previous_aside -> move_new_in_place -> restart -> health_check ->
//   discard_previous
//        |                 |                     |                 |            |               ->
//        installed
//     refused           refused        restore_previous <- remove_new <---------'
//                                              |                   (no previous: none_installed)
//                                       start_restored -> restored

#include <optional>
#include <string_view>

namespace bv::babel {

enum class BabelUpdateStep {
    verify_upload,       // the whole upload arrived and its SHA-256 is the one announced
    set_previous_aside,  // the installed binary renamed to babel.previous (when there is one)
    move_new_in_place,   // the upload renamed to the binary's path
    restart,             // the running babel stopped, the new one started
    health_check,        // the new babel answers Ping in time
    discard_previous,    // babel.previous removed
    remove_new,          // the new babel stopped and its binary removed
    restore_previous,    // babel.previous renamed back
    start_restored,      // the previous babel running again
};

enum class BabelUpdateEnd {
    installed,       // the new babel runs and is healthy
    refused,         // nothing changed: the running babel stays
    restored,        // the new babel failed; the previous one runs again
    none_installed,  // the new babel failed and there was none before it
    restore_failed,  // the previous one is back in place but would not start
};

struct BabelUpdate {
    bool had_previous = false;
    BabelUpdateStep step = BabelUpdateStep::verify_upload;
    std::optional<BabelUpdateEnd> end;
};

// The step after `update.step` when it succeeded or failed; nullopt (with update.end set) when
// the update is over.
std::optional<BabelUpdateStep> advance(BabelUpdate& update, bool succeeded);

std::string_view step_name(BabelUpdateStep step);

}  // namespace bv::babel
