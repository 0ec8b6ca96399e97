#include "modes/node_arguments.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace bv {
namespace {

struct Parsed {
    std::optional<int> exit_code;
    std::string channel = "vsock";
    bool power_off = false;
    std::vector<std::string> files;
};

Parsed parse(std::vector<const char*> argv, bool with_positionals = false) {
    Parsed parsed;
    const NodeCommandLine command_line{
        .program = "test",
        .description = "a test",
        .options = {{"channel", "the channel", &parsed.channel}, {"power-off", "power off", nullptr, &parsed.power_off}},
        .positionals_name = with_positionals ? "FILE" : nullptr,
        .positionals = with_positionals ? &parsed.files : nullptr,
        .positionals_required = with_positionals,
    };
    parsed.exit_code = parse_node_arguments(command_line, static_cast<int>(argv.size()), argv.data());
    return parsed;
}

TEST(NodeArguments, ReadsValuesFlagsAndPositionals) {
    const auto parsed = parse({"test", "--channel", "unix:/x", "--power-off", "a.toml", "b.toml"}, true);
    EXPECT_FALSE(parsed.exit_code);
    EXPECT_EQ(parsed.channel, "unix:/x");
    EXPECT_TRUE(parsed.power_off);
    EXPECT_EQ(parsed.files, (std::vector<std::string>{"a.toml", "b.toml"}));
    EXPECT_EQ(parse({"test", "--channel=vsock:3"}).channel, "vsock:3");
}

TEST(NodeArguments, DefaultsStayWhenNotGiven) {
    const auto parsed = parse({"test"});
    EXPECT_FALSE(parsed.exit_code);
    EXPECT_EQ(parsed.channel, "vsock");
    EXPECT_FALSE(parsed.power_off);
}

TEST(NodeArguments, UsageErrorsExitTwo) {
    EXPECT_EQ(parse({"test", "--bogus"}).exit_code, 2);
    EXPECT_EQ(parse({"test", "--channel"}).exit_code, 2);
    EXPECT_EQ(parse({"test", "stray"}).exit_code, 2);
    EXPECT_EQ(parse({"test"}, true).exit_code, 2) << "FILE is required";
}

TEST(NodeArguments, HelpAndVersionExitZero) {
    EXPECT_EQ(parse({"test", "--help"}).exit_code, 0);
    EXPECT_EQ(parse({"test", "-h"}).exit_code, 0);
    EXPECT_EQ(parse({"test", "--version"}).exit_code, 0);
}

TEST(NodeArguments, UsageNamesEveryOptionWithItsDefault) {
    std::string channel = "vsock";
    const auto usage = node_usage({.program = "babel", .description = "d", .options = {{"channel", "where", &channel}}});
    EXPECT_NE(usage.find("--channel TEXT"), std::string::npos) << usage;
    EXPECT_NE(usage.find("(default: vsock)"), std::string::npos) << usage;
}

}  // namespace
}  // namespace bv
