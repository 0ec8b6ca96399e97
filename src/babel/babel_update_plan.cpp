#include "babel/babel_update_plan.hpp"

namespace bv::babel {
namespace {

std::optional<BabelUpdateStep> go(BabelUpdate& update, BabelUpdateStep step) {
    update.step = step;
    return step;
}

std::optional<BabelUpdateStep> finish(BabelUpdate& update, BabelUpdateEnd end) {
    update.end = end;
    return std::nullopt;
}

}  // namespace

std::optional<BabelUpdateStep> advance(BabelUpdate& update, bool succeeded) {
    using Step = BabelUpdateStep;
    using End = BabelUpdateEnd;
    switch (update.step) {
        case Step::verify_upload:
            if (!succeeded) return finish(update, End::refused);
            return go(update,
                      update.had_previous ? Step::set_previous_aside : Step::move_new_in_place);
        case Step::set_previous_aside:
            if (!succeeded) return finish(update, End::refused);
            return go(update, Step::move_new_in_place);
        case Step::move_new_in_place:
            if (succeeded) return go(update, Step::restart);
            // The running babel was not touched yet: its binary goes back, it runs on.
            if (update.had_previous) return go(update, Step::restore_previous);
            return finish(update, End::refused);
        case Step::restart:
        case Step::health_check:
            if (!succeeded) return go(update, Step::remove_new);
            return go(update,
                      update.step == Step::restart ? Step::health_check : Step::discard_previous);
        case Step::discard_previous:
            // A leftover babel.previous is only disk: the new babel is installed either way.
            return finish(update, End::installed);
        case Step::remove_new:
            if (!update.had_previous) return finish(update, End::none_installed);
            return go(update, Step::restore_previous);
        case Step::restore_previous:
            return go(update, Step::start_restored);
        case Step::start_restored:
            return finish(update, succeeded ? End::restored : End::restore_failed);
    }
    return finish(update, End::restore_failed);
}

std::string_view step_name(BabelUpdateStep step) {
    switch (step) {
        case BabelUpdateStep::verify_upload:
            return "verify_upload";
        case BabelUpdateStep::set_previous_aside:
            return "set_previous_aside";
        case BabelUpdateStep::move_new_in_place:
            return "move_new_in_place";
        case BabelUpdateStep::restart:
            return "restart";
        case BabelUpdateStep::health_check:
            return "health_check";
        case BabelUpdateStep::discard_previous:
            return "discard_previous";
        case BabelUpdateStep::remove_new:
            return "remove_new";
        case BabelUpdateStep::restore_previous:
            return "restore_previous";
        case BabelUpdateStep::start_restored:
            return "start_restored";
    }
    return "unknown";
}

}  // namespace bv::babel
