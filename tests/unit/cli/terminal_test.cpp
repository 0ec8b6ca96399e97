#include "cli/terminal.hpp"

#include <gtest/gtest.h>

#include "cli/output.hpp"

namespace bv::cli {
namespace {

TEST(OutputStyle, ColourOnlyOnATerminalAndNeverWithNoColor) {
    TerminalFacts facts;
    facts.stdout_is_terminal = true;
    EXPECT_TRUE(output_style(facts).colour);
    facts.no_color = "1";
    EXPECT_FALSE(output_style(facts).colour);
    facts.no_color = "";  // no-color.org: set but empty does not count
    EXPECT_TRUE(output_style(facts).colour);
    facts.term = "dumb";
    EXPECT_FALSE(output_style(facts).colour);
    facts = {};
    EXPECT_FALSE(output_style(facts).colour) << "a pipe";
}

TEST(OutputStyle, WidthIsColumnsThenTheTerminalsThenUnlimited) {
    TerminalFacts facts;
    facts.terminal_columns = 120;
    EXPECT_EQ(output_style(facts).width, 0u) << "not a terminal: whole cells for scripts";
    facts.stdout_is_terminal = true;
    EXPECT_EQ(output_style(facts).width, 120u);
    facts.columns = "80";
    EXPECT_EQ(output_style(facts).width, 80u);
    facts.stdout_is_terminal = false;
    EXPECT_EQ(output_style(facts).width, 80u) << "COLUMNS asks for it";
    facts.columns = "wide";
    EXPECT_EQ(output_style(facts).width, 0u);
}

TEST(OutputStyle, LiveProgressOnlyWhenStderrIsATerminal) {
    TerminalFacts facts;
    facts.stdout_is_terminal = true;
    EXPECT_FALSE(output_style(facts).live_progress);
    facts.stderr_is_terminal = true;
    EXPECT_TRUE(output_style(facts).live_progress);
}

TEST(Table, FitsTheWidthByCuttingTheWidestColumnButTheFirst) {
    OutputStyle style;
    style.width = 30;
    const auto table = format_table({"ID", "IMAGE", "STATUS"},
                                    {{"0123456789", "protocol/type/1.2.3", "running"}, {"1", "n", "stopped"}}, style);
    EXPECT_EQ(table,
              "ID          IMAGE      STATUS\n"
              "0123456789  protocol\u2026  running\n"
              "1           n          stopped\n");
}

TEST(Table, UnlimitedWidthKeepsEveryCellWhole) {
    const auto table = format_table({"A", "B"}, {{std::string(300, 'x'), "y"}}, OutputStyle{});
    EXPECT_EQ(table, "A" + std::string(301, ' ') + "B\n" + std::string(300, 'x') + "  y\n");
}

TEST(Table, StatusColumnInColourPaddedByWhatShows) {
    OutputStyle style;
    style.colour = true;
    const auto table = format_table({"STATUS", "X"}, {{"running", "1"}, {"failed", "2"}, {"stopped", "3"}}, style);
    EXPECT_EQ(table,
              "STATUS   X\n"
              "\033[32mrunning\033[0m  1\n"
              "\033[31mfailed\033[0m   2\n"
              "stopped  3\n");
}

TEST(ProgressBar, FillsInProportion) {
    EXPECT_EQ(progress_bar(0, 100, 17), "[..........]   0%");
    EXPECT_EQ(progress_bar(45, 100, 17), "[####......]  45%");
    EXPECT_EQ(progress_bar(100, 100, 17), "[##########] 100%");
    EXPECT_EQ(progress_bar(5, 0, 17), "[..........]   0%");
}

}  // namespace
}  // namespace bv::cli
