#include "babel/babel_update_plan.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace bv::babel {
namespace {

using Step = BabelUpdateStep;
using End = BabelUpdateEnd;

struct Trace {
    std::vector<Step> steps;
    std::optional<End> end;
};

// Every step succeeds but `failing` (each one in the set fails once).
Trace drive(bool had_previous, std::vector<Step> failing = {}) {
    BabelUpdate update{.had_previous = had_previous};
    Trace trace;
    for (std::optional<Step> step = update.step; step;) {
        trace.steps.push_back(*step);
        const auto failed = std::find(failing.begin(), failing.end(), *step);
        const bool succeeded = failed == failing.end();
        if (!succeeded) failing.erase(failed);
        step = advance(update, succeeded);
        if (trace.steps.size() > 20) break;
    }
    trace.end = update.end;
    return trace;
}

struct Row {
    bool had_previous;
    Step failing;
    std::vector<Step> steps;
    End end;
};

TEST(BabelUpdatePlanTest, FaultTable) {
    const std::vector<Row> table{
        {true, Step::verify_upload, {Step::verify_upload}, End::refused},
        {true,
         Step::set_previous_aside,
         {Step::verify_upload, Step::set_previous_aside},
         End::refused},
        {true,
         Step::move_new_in_place,
         {Step::verify_upload, Step::set_previous_aside, Step::move_new_in_place,
          Step::restore_previous, Step::start_restored},
         End::restored},
        {true,
         Step::restart,
         {Step::verify_upload, Step::set_previous_aside, Step::move_new_in_place, Step::restart,
          Step::remove_new, Step::restore_previous, Step::start_restored},
         End::restored},
        {true,
         Step::health_check,
         {Step::verify_upload, Step::set_previous_aside, Step::move_new_in_place, Step::restart,
          Step::health_check, Step::remove_new, Step::restore_previous, Step::start_restored},
         End::restored},
        {true,
         Step::discard_previous,
         {Step::verify_upload, Step::set_previous_aside, Step::move_new_in_place, Step::restart,
          Step::health_check, Step::discard_previous},
         End::installed},
        {false, Step::verify_upload, {Step::verify_upload}, End::refused},
        {false,
         Step::move_new_in_place,
         {Step::verify_upload, Step::move_new_in_place},
         End::refused},
        {false,
         Step::restart,
         {Step::verify_upload, Step::move_new_in_place, Step::restart, Step::remove_new},
         End::none_installed},
        {false,
         Step::health_check,
         {Step::verify_upload, Step::move_new_in_place, Step::restart, Step::health_check,
          Step::remove_new},
         End::none_installed},
    };
    for (const auto& row : table) {
        SCOPED_TRACE(std::string(step_name(row.failing)) +
                     (row.had_previous ? " with" : " without") + " a previous babel");
        const auto trace = drive(row.had_previous, {row.failing});
        EXPECT_EQ(trace.steps, row.steps);
        EXPECT_EQ(trace.end, row.end);
    }
}

TEST(BabelUpdatePlanTest, NoFaultInstalls) {
    EXPECT_EQ(drive(true).steps, (std::vector<Step>{Step::verify_upload, Step::set_previous_aside,
                                                    Step::move_new_in_place, Step::restart,
                                                    Step::health_check, Step::discard_previous}));
    EXPECT_EQ(drive(false).end, End::installed);
}

TEST(BabelUpdatePlanTest, RestoreThatFailsIsSaidSo) {
    const auto trace = drive(true, {Step::health_check, Step::start_restored});
    EXPECT_EQ(trace.end, End::restore_failed);
    // Failures on the way back do not stop it: the previous binary is put back regardless.
    EXPECT_EQ(drive(true, {Step::health_check, Step::remove_new, Step::restore_previous}).end,
              End::restored);
}

}  // namespace
}  // namespace bv::babel
