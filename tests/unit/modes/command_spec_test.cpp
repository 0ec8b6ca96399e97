#include "modes/command_spec.hpp"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

#include "modes/completion_scripts.hpp"
#include "modes/node_arguments.hpp"

namespace bv {
namespace {

struct Values {
    std::string text, node, image, mode;
    std::vector<std::string> nodes;
    bool flag = false;
};

void define_example(CLI::App& app, Values& values) {
    app.add_flag("--json", values.flag, "As JSON");
    auto* node = app.add_subcommand("node", "Nodes: many of them");
    auto* start = node->add_subcommand("start", "Start nodes");
    start->add_option("ID_OR_NAME", values.nodes, "Nodes")->required();
    start->add_option("--mode", values.mode, "How")->check(CLI::IsMember({"fast", "slow"}));
    start->add_option("--ca", values.text, "CA")->check(CLI::ExistingFile);
    start->add_option("--image", values.image, "Image")->type_name("IMAGE");
    app.add_subcommand("__hidden", "not shown")->group("");
}

TEST(CommandSpec, ReadsSubcommandsOptionsAndWhatCompletesTheirValues) {
    Values values;
    CLI::App app("tool: an example. More here.", "tool");
    define_example(app, values);
    const auto spec = command_spec(app);
    EXPECT_EQ(spec.name, "tool");
    ASSERT_EQ(spec.subcommands.size(), 1u) << "hidden subcommands are left out";
    const auto& start = spec.subcommands[0].subcommands.at(0);
    EXPECT_EQ(start.name, "start");
    ASSERT_EQ(start.positionals.size(), 1u);
    EXPECT_EQ(start.positionals[0].kind, ValueKind::node);
    EXPECT_TRUE(start.positionals[0].repeatable);
    EXPECT_TRUE(start.positionals[0].required);
    const auto option = [&](const std::string& name) {
        for (const auto& each : start.options) {
            if (each.names.back() == name) return each;
        }
        ADD_FAILURE() << name;
        return OptionSpec{};
    };
    EXPECT_EQ(option("--mode").kind, ValueKind::choice);
    EXPECT_EQ(option("--mode").choices, (std::vector<std::string>{"fast", "slow"}));
    EXPECT_EQ(option("--ca").kind, ValueKind::file);
    EXPECT_EQ(option("--image").kind, ValueKind::image);
    EXPECT_EQ(option("--help").kind, ValueKind::none);
    EXPECT_EQ(spec.options.back().names, (std::vector<std::string>{"--json"}));
    EXPECT_EQ(spec.options.back().kind, ValueKind::none);
}

TEST(CommandSpec, NodeCommandLinesReadAsTheirGetoptTable) {
    std::string directory = "/var/lib/x";
    bool flag = false;
    const NodeCommandLine command_line{.program = "babel",
                                       .description = "babel: the agent",
                                       .options = {{"state-dir", "State", &directory}, {"quiet", "Less", nullptr, &flag}}};
    const auto spec = command_spec(command_line);
    ASSERT_EQ(spec.options.size(), 4u);  // --help and --version first
    EXPECT_EQ(spec.options[2].names, (std::vector<std::string>{"--state-dir"}));
    EXPECT_EQ(spec.options[2].value_name, "TEXT");
    EXPECT_EQ(spec.options[2].default_value, "/var/lib/x");
    EXPECT_EQ(spec.options[3].kind, ValueKind::none);
}

TEST(CommandSpec, SummaryIsTheFirstSentenceWithoutTheProgramName) {
    EXPECT_EQ(summary_of("bvd: the host daemon. Runs nodes."), "the host daemon");
    EXPECT_EQ(summary_of("Nodes on this host: create, start"), "Nodes on this host");
    EXPECT_EQ(summary_of("Start nodes, one after the other"), "Start nodes, one after the other");
}

TEST(CompletionScripts, BashTablesNameEveryPathAndValueKind) {
    Values values;
    CLI::App app("tool: an example. More here.", "tool");
    define_example(app, values);
    const auto script = completion_script(command_spec(app), Shell::bash);
    EXPECT_NE(script.find("\"tool node\") echo \"start\" ;;"), std::string::npos) << script;
    EXPECT_NE(script.find("\"tool node start --mode\") echo \"choice fast slow\" ;;"), std::string::npos);
    // Options of the program hold below it.
    EXPECT_NE(script.find("\"tool node start --json\") echo \"none\" ;;"), std::string::npos);
    EXPECT_NE(script.find("\"tool node start \"*) echo \"node\" ;;"), std::string::npos);
    EXPECT_NE(script.find("complete -F _tool tool\n"), std::string::npos);
    EXPECT_EQ(script.find("__hidden"), std::string::npos);
}

TEST(CompletionScripts, FishQuotesHelpTexts) {
    CLI::App app("x", "tool");
    bool flag = false;
    app.add_flag("--it", flag, "It's done");
    const auto script = completion_script(command_spec(app), Shell::fish);
    EXPECT_NE(script.find("-l it -d 'It\\'s done'"), std::string::npos) << script;
}

}  // namespace
}  // namespace bv
