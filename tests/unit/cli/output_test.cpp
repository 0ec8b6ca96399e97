#include "cli/output.hpp"

#include <gtest/gtest.h>

namespace bv::cli {
namespace {

TEST(CliOutput, TimestampIsUtcToTheSecond) {
    EXPECT_EQ(format_timestamp_ms(1'714'566'896'789), "2024-05-01 12:34:56 UTC");
}

TEST(CliOutput, ZeroTimestampIsNever) {
    EXPECT_EQ(format_timestamp_ms(0), "-");
}

TEST(CliOutput, DurationShowsTheTwoLargestUnits) {
    EXPECT_EQ(format_duration(42), "42s");
    EXPECT_EQ(format_duration(3 * 60 + 2), "3m 2s");
    EXPECT_EQ(format_duration(2 * 86400 + 5 * 3600 + 7), "2d 5h");
}

}  // namespace
}  // namespace bv::cli
