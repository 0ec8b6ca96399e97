#include "modes/mode.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace bv {
namespace {

std::optional<ModeSelection> select(std::vector<const char*> argv) { return select_mode(argv); }

TEST(ModeSelection, PicksModeFromProgramName) {
    EXPECT_EQ(select({"bvd"})->mode, Mode::daemon);
    EXPECT_EQ(select({"/usr/bin/blockvisord"})->mode, Mode::daemon);
    EXPECT_EQ(select({"./bv", "status"})->mode, Mode::cli);
    EXPECT_EQ(select({"/opt/blockvisor/current/bin/babel"})->mode, Mode::babel);
    EXPECT_EQ(select({"babelsup"})->mode, Mode::babelsup);
    EXPECT_EQ(select({"bv-installer"})->mode, Mode::installer);
    EXPECT_EQ(select({"bv"})->arguments_used, 0);
}

TEST(ModeSelection, PicksModeFromFirstArgumentOfTheBinary) {
    const auto selection = select({"/usr/bin/blockvisor", "babel", "--help"});
    ASSERT_TRUE(selection);
    EXPECT_EQ(selection->mode, Mode::babel);
    EXPECT_EQ(selection->arguments_used, 1);
}

TEST(ModeSelection, ProgramNameWinsOverFirstArgument) {
    // `bv babel` is the CLI with a (wrong) argument, not babel.
    EXPECT_EQ(select({"bv", "babel"})->mode, Mode::cli);
}

TEST(ModeSelection, UnknownNamesSelectNothing) {
    EXPECT_FALSE(select({"blockvisor"}));
    EXPECT_FALSE(select({"blockvisor", "bvx"}));
    EXPECT_FALSE(select({"bvdd"}));
    EXPECT_FALSE(select({}));
}

}  // namespace
}  // namespace bv
