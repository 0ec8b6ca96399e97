#include "common/progress_log.hpp"

#include <gtest/gtest.h>

namespace bv {
namespace {

using namespace std::chrono_literals;

TEST(ProgressLog, DueAtEveryTenth) {
    const ProgressLog::Clock::time_point start{};
    ProgressLog log(1000, 1h, start);
    EXPECT_FALSE(log.due(50, start));
    EXPECT_TRUE(log.due(100, start));
    EXPECT_FALSE(log.due(150, start));
    EXPECT_TRUE(log.due(350, start));  // one line for the tenths skipped
    EXPECT_FALSE(log.due(399, start));
    EXPECT_TRUE(log.due(1000, start));
}

TEST(ProgressLog, DueAfterTheIntervalWhileItMoves) {
    const ProgressLog::Clock::time_point start{};
    ProgressLog log(1000, 5s, start);
    EXPECT_FALSE(log.due(10, start + 4s));
    EXPECT_TRUE(log.due(20, start + 5s));
    EXPECT_FALSE(log.due(30, start + 9s));
    EXPECT_TRUE(log.due(30, start + 11s));
    EXPECT_FALSE(log.due(30, start + 17s));  // not moving: nothing new to say
}

TEST(ProgressLog, AResumedTransferLogsWhereItStarts) {
    const ProgressLog::Clock::time_point start{};
    ProgressLog log(1000, 1h, start);
    EXPECT_TRUE(log.due(450, start));
    EXPECT_FALSE(log.due(460, start));
}

}  // namespace
}  // namespace bv
