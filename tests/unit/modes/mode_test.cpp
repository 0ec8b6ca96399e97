#include "modes/mode.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace bv {
namespace {

std::optional<ModeSelection> host(std::vector<const char*> argv) { return select_mode(host_program(), argv); }
std::optional<ModeSelection> node(std::vector<const char*> argv) { return select_mode(node_program(), argv); }

TEST(ModeSelection, PicksModeFromProgramName) {
    EXPECT_EQ(host({"bvd"})->mode, Mode::daemon);
    EXPECT_EQ(host({"/usr/bin/blockvisord"})->mode, Mode::daemon);
    EXPECT_EQ(host({"./bv", "status"})->mode, Mode::cli);
    EXPECT_EQ(host({"bv-installer"})->mode, Mode::installer);
    EXPECT_EQ(host({"/usr/local/bin/bv-api"})->mode, Mode::api);
    EXPECT_EQ(node({"/opt/blockvisor/current/bin/babel"})->mode, Mode::babel);
    EXPECT_EQ(node({"babelsup"})->mode, Mode::babelsup);
    EXPECT_EQ(host({"bv"})->arguments_used, 0);
}

TEST(ModeSelection, PicksModeFromFirstArgumentOfTheBinary) {
    const auto selection = node({"/usr/bin/bv-node", "babel", "--help"});
    ASSERT_TRUE(selection);
    EXPECT_EQ(selection->mode, Mode::babel);
    EXPECT_EQ(selection->arguments_used, 1);
    EXPECT_EQ(host({"blockvisor", "bvd"})->mode, Mode::daemon);
}

TEST(ModeSelection, ProgramNameWinsOverFirstArgument) {
    // `bv bvd` is the CLI with a (wrong) argument, not the daemon.
    EXPECT_EQ(host({"bv", "bvd"})->mode, Mode::cli);
}

TEST(ModeSelection, EachProgramHasOnlyItsOwnModes) {
    EXPECT_FALSE(host({"babel"}));
    EXPECT_FALSE(host({"blockvisor", "babelsup"}));
    EXPECT_FALSE(node({"bvd"}));
    EXPECT_FALSE(node({"bv-node", "bv"}));
}

TEST(ModeSelection, UnknownNamesSelectNothing) {
    EXPECT_FALSE(host({"blockvisor"}));
    EXPECT_FALSE(host({"blockvisor", "bvx"}));
    EXPECT_FALSE(host({"bvdd"}));
    EXPECT_FALSE(host({}));
    EXPECT_FALSE(node({"bv-node"}));
}

TEST(ModeSelection, HelpListsEveryNameOfEveryMode) {
    const auto help = mode_names_help(host_program());
    EXPECT_NE(help.find("bvd, blockvisord"), std::string::npos) << help;
    EXPECT_NE(help.find("bv-installer"), std::string::npos) << help;
    EXPECT_NE(help.find("bv-api"), std::string::npos) << help;
    EXPECT_EQ(help.find("babel"), std::string::npos) << help;
    const auto node_help = mode_names_help(node_program());
    EXPECT_NE(node_help.find("usage: bv-node"), std::string::npos) << node_help;
    EXPECT_NE(node_help.find("babelsup"), std::string::npos) << node_help;
}

}  // namespace
}  // namespace bv
