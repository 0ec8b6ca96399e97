#include "install/installer_plan.hpp"

#include <gtest/gtest.h>

namespace bv::install {
namespace {

using Step = InstallStep;
using End = InstallEnd;

enum class Fault { none, error, kill };

struct Trace {
    std::vector<Step> steps;
    std::optional<End> end;
};

// Drives a run through the plan the way the installer does: each step done once, `fault` at
// `faulty` (an error: the step fails; a kill: the installer dies during it and, run again,
// resumes the persisted run, which does the step again and succeeds). Every other step succeeds.
Trace drive(InstallRun run, std::optional<Step> faulty = std::nullopt, Fault fault = Fault::none) {
    Trace trace;
    bool faulted = false;
    for (int guard = 0; guard < 50; ++guard) {
        trace.steps.push_back(run.step);
        const bool inject = !faulted && faulty == run.step && fault != Fault::none;
        if (inject && fault == Fault::kill) {
            faulted = true;
            // What installer.json holds after the kill, read by the next installer.
            const auto persisted = parse_run(serialize_run(run));
            const auto start = decide_start(persisted, run.version, run.previous, {});
            EXPECT_EQ(start.kind, StartDecision::Kind::resume);
            run = start.run;
            continue;
        }
        faulted = faulted || inject;
        if (!advance(run, !inject)) {
            trace.end = run.end;
            return trace;
        }
    }
    ADD_FAILURE() << "the run never ended";
    return trace;
}

InstallRun update_from(const std::string& previous, const std::set<std::string>& blacklist = {}) {
    const auto start =
        decide_start(std::nullopt, "1.1.0",
                     previous.empty() ? std::nullopt : std::optional(previous), blacklist);
    EXPECT_EQ(start.kind, StartDecision::Kind::begin);
    return start.run;
}

const std::vector<Step> kHappy{Step::check,          Step::back_up, Step::notify_bvd,
                               Step::switch_current, Step::restart, Step::wait_healthy,
                               Step::clean_up};

struct FaultRow {
    Step step;
    std::vector<Step> expected_steps;  // after the error at `step`
    End expected_end;
};

// An update of 1.0.0 to 1.1.0 with an error at each step: the exact steps, and how it ends.
TEST(InstallerPlanTest, UpdateFaultTable) {
    const std::vector<FaultRow> table{
        {Step::check, {Step::check}, End::refused},
        {Step::back_up, {Step::check, Step::back_up}, End::refused},
        {Step::notify_bvd, kHappy, End::installed},
        {Step::switch_current,
         {Step::check, Step::back_up, Step::notify_bvd, Step::switch_current,
          Step::end_update_on_bvd},
         End::not_switched},
        {Step::restart,
         {Step::check, Step::back_up, Step::notify_bvd, Step::switch_current, Step::restart,
          Step::blacklist, Step::roll_back},
         End::handed_over},
        {Step::wait_healthy,
         {Step::check, Step::back_up, Step::notify_bvd, Step::switch_current, Step::restart,
          Step::wait_healthy, Step::blacklist, Step::roll_back},
         End::handed_over},
        {Step::clean_up, kHappy, End::installed},
    };
    for (const auto& row : table) {
        SCOPED_TRACE(std::string("error at ") + std::string(step_name(row.step)));
        const auto trace = drive(update_from("1.0.0"), row.step, Fault::error);
        EXPECT_EQ(trace.steps, row.expected_steps);
        EXPECT_EQ(trace.end, row.expected_end);
    }
}

// The installer killed during any step and run again ends as if nothing happened: the step is
// done again (every step is idempotent), the rest follows.
TEST(InstallerPlanTest, KillDuringAnyStepThenRunAgainFinishes) {
    for (std::size_t i = 0; i < kHappy.size(); ++i) {
        SCOPED_TRACE(std::string("killed during ") + std::string(step_name(kHappy[i])));
        const auto trace = drive(update_from("1.0.0"), kHappy[i], Fault::kill);
        auto expected = kHappy;
        expected.insert(expected.begin() + static_cast<std::ptrdiff_t>(i), kHappy[i]);
        EXPECT_EQ(trace.steps, expected);
        EXPECT_EQ(trace.end, End::installed);
    }
}

TEST(InstallerPlanTest, KillDuringTheFailurePathStillRollsBack) {
    auto run = update_from("1.0.0");
    run.step = Step::blacklist;
    const auto trace = drive(run, Step::blacklist, Fault::kill);
    EXPECT_EQ(trace.steps, (std::vector<Step>{Step::blacklist, Step::blacklist, Step::roll_back}));
    EXPECT_EQ(trace.end, End::handed_over);
}

TEST(InstallerPlanTest, RollbackRunSkipsTheBackupAndAFailureIsBroken) {
    // The failed 1.1.0 is blacklisted and still current; the backup's installer puts 1.0.0 back.
    const auto start = decide_start(std::nullopt, "1.0.0", std::string("1.1.0"), {"1.1.0"});
    ASSERT_EQ(start.kind, StartDecision::Kind::begin);
    EXPECT_TRUE(start.run.rollback);
    EXPECT_EQ(drive(start.run).steps,
              (std::vector<Step>{Step::check, Step::notify_bvd, Step::switch_current, Step::restart,
                                 Step::wait_healthy, Step::clean_up}));
    const auto failed = drive(start.run, Step::wait_healthy, Fault::error);
    EXPECT_EQ(failed.steps,
              (std::vector<Step>{Step::check, Step::notify_bvd, Step::switch_current, Step::restart,
                                 Step::wait_healthy, Step::blacklist, Step::report_broken}));
    EXPECT_EQ(failed.end, End::broken);
}

TEST(InstallerPlanTest, RollbackWhoseBackupDoesNotVerifyIsBroken) {
    const auto start = decide_start(std::nullopt, "1.0.0", std::string("1.1.0"), {"1.1.0"});
    const auto trace = drive(start.run, Step::check, Fault::error);
    EXPECT_EQ(trace.steps, (std::vector<Step>{Step::check, Step::report_broken}));
    EXPECT_EQ(trace.end, End::broken);
}

TEST(InstallerPlanTest, FirstInstallHasNothingToBackUpOrRollBackTo) {
    const auto run = update_from("");
    EXPECT_FALSE(run.rollback);
    EXPECT_EQ(drive(run).steps,
              (std::vector<Step>{Step::check, Step::notify_bvd, Step::switch_current, Step::restart,
                                 Step::wait_healthy, Step::clean_up}));
    EXPECT_EQ(drive(run, Step::restart, Fault::error).end, End::broken);
}

TEST(InstallerPlanTest, BackupInstallerThatCannotStartIsBroken) {
    auto run = update_from("1.0.0");
    run.step = Step::roll_back;
    const auto trace = drive(run, Step::roll_back, Fault::error);
    EXPECT_EQ(trace.steps, (std::vector<Step>{Step::roll_back, Step::report_broken}));
    EXPECT_EQ(trace.end, End::broken);
}

TEST(InstallerPlanTest, BlacklistedVersionIsRefused) {
    const auto start = decide_start(std::nullopt, "1.1.0", std::string("1.0.0"), {"1.1.0"});
    EXPECT_EQ(start.kind, StartDecision::Kind::refuse);
    EXPECT_NE(start.reason.find("blacklisted"), std::string::npos);
}

TEST(InstallerPlanTest, UnfinishedRunIsResumedWhateverIsAsked) {
    InstallRun interrupted{"1.1.0", "1.0.0", false, Step::restart, std::nullopt, {}, {}};
    const auto again = decide_start(interrupted, "1.1.0", std::string("1.1.0"), {});
    EXPECT_EQ(again.kind, StartDecision::Kind::resume);
    EXPECT_EQ(again.run.step, Step::restart);
    const auto other = decide_start(interrupted, "1.2.0", std::string("1.1.0"), {});
    EXPECT_EQ(other.kind, StartDecision::Kind::resume);
    EXPECT_EQ(other.run.version, "1.1.0");
    EXPECT_NE(other.reason.find("finishing it first"), std::string::npos);
}

TEST(InstallerPlanTest, HandedOverRunLetsTheBackupsInstallerBegin) {
    InstallRun handed{"1.1.0", "1.0.0", false, Step::roll_back, std::nullopt, "health check failed",
                      {}};
    const auto start = decide_start(handed, "1.0.0", std::string("1.1.0"), {"1.1.0"});
    EXPECT_EQ(start.kind, StartDecision::Kind::begin);
    EXPECT_TRUE(start.run.rollback);
    // Anyone else resumes it (and so hands over again).
    EXPECT_EQ(decide_start(handed, "1.1.0", std::string("1.1.0"), {"1.1.0"}).kind,
              StartDecision::Kind::resume);
}

TEST(InstallerPlanTest, EndedRunIsNotResumed) {
    InstallRun ended{"1.1.0", "1.0.0", false, Step::clean_up, End::installed, {}, {}};
    EXPECT_EQ(decide_start(ended, "1.2.0", std::string("1.1.0"), {}).kind,
              StartDecision::Kind::begin);
}

TEST(InstallerPlanTest, PersistedRunRoundTripsAndBadOnesAreRefused) {
    const InstallRun run{"1.1.0-rc.1",
                         "1.0.0",
                         true,
                         Step::wait_healthy,
                         End::broken,
                         "bvd crashed",
                         "the update to 1.2.0 failed"};
    const auto parsed = parse_run(serialize_run(run));
    EXPECT_EQ(parsed.version, run.version);
    EXPECT_EQ(parsed.previous, run.previous);
    EXPECT_EQ(parsed.rollback, run.rollback);
    EXPECT_EQ(parsed.step, run.step);
    EXPECT_EQ(parsed.end, run.end);
    EXPECT_EQ(parsed.failure, run.failure);
    EXPECT_EQ(parsed.rolls_back_because, run.rolls_back_because);
    for (const auto* bad : {"", "[]", R"({"step":"check"})", R"({"version":"../x","step":"check"})",
                            R"({"version":"1.0.0","step":"dance"})",
                            R"({"version":"1.0.0","step":"check","end":"x"})",
                            R"({"version":"1.0.0","step":"check","rollback":"yes"})"}) {
        EXPECT_THROW(parse_run(bad), std::runtime_error) << bad;
    }
}

TEST(InstallerPlanTest, CleanUpKeepsCurrentBackupAndWhatIsNotAVersion) {
    EXPECT_EQ(versions_to_clean(
                  {"0.9.0", "1.0.0", "1.1.0", "current", "backup", "blacklist", ".1.2.0.unpacking"},
                  "1.1.0", std::string("1.0.0")),
              (std::vector<std::string>{"0.9.0"}));
    EXPECT_EQ(versions_to_clean({"1.0.0", "1.1.0"}, "1.1.0", std::nullopt),
              (std::vector<std::string>{"1.0.0"}));
}

}  // namespace
}  // namespace bv::install
