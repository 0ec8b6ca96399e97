// The manual pages the build makes: groff reads them without a warning, and each says every
// option its program's parser accepts.

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>

#include "common/files.hpp"
#include "modes/command_spec.hpp"
#include "modes/host_command_lines.hpp"
#include "support/process.hpp"

namespace bv::test {
namespace {

const std::filesystem::path kPages = std::filesystem::path(BV_BINARY_DIR) / "man";

// What man shows (groff's warnings on stderr, as `man --warnings` asks for them).
ProcessResult render(const std::string& page) {
    return run({"man", "--warnings", "-E", "UTF-8", "-Tutf8", "-l", (kPages / page).string()}, std::chrono::seconds(30),
               {{"MANWIDTH", "200"}, {"MAN_KEEP_FORMATTING", ""}});
}

// The page as plain text: groff's bold and underline overstrikes removed.
std::string plain_text(const std::string& rendered) {
    std::string text;
    for (std::size_t i = 0; i < rendered.size(); ++i) {
        if (i + 1 < rendered.size() && rendered[i + 1] == '\b') {
            ++i;
            continue;
        }
        text += rendered[i];
    }
    return text;
}

TEST(ManualPages, EveryPageRendersWithoutGroffWarnings) {
    for (const auto* page : {"bv.1", "bvd.8", "babel.8", "babelsup.8", "bv-installer.8", "bv-api.1"}) {
        ASSERT_TRUE(std::filesystem::exists(kPages / page)) << page;
        const auto result = render(page);
        EXPECT_EQ(result.exit_code, 0) << page << ": " << result.err;
        EXPECT_EQ(result.err, "") << page;
        const auto text = plain_text(result.out);
        EXPECT_NE(text.find("NAME"), std::string::npos) << page;
        EXPECT_NE(text.find("SYNOPSIS"), std::string::npos) << page;
        EXPECT_NE(text.find("blockvisor "), std::string::npos) << page;
    }
}

// Every option of every command, from the parser's own definition, is on the page.
void expect_every_option_on(const std::string& page, const CommandSpec& spec) {
    const auto text = plain_text(render(page).out);
    std::function<void(const CommandSpec&, const std::string&)> check = [&](const CommandSpec& command,
                                                                             const std::string& path) {
        if (command.subcommands.empty() && path != spec.name) {
            EXPECT_NE(text.find(path), std::string::npos) << page << " lacks " << path;
        }
        for (const auto& option : command.options) {
            for (const auto& name : option.names) {
                EXPECT_NE(text.find(name), std::string::npos) << page << " lacks " << path << " " << name;
            }
        }
        for (const auto& sub : command.subcommands) check(sub, path + " " + sub.name);
    };
    check(spec, spec.name);
}

TEST(ManualPages, PagesOfTheHostModesListEveryCommandAndOption) {
    expect_every_option_on("bv.1", command_spec(*cli_command_line()));
    expect_every_option_on("bvd.8", command_spec(*daemon_command_line()));
    expect_every_option_on("bv-api.1", command_spec(*api_command_line()));
    const auto bvd = plain_text(render("bvd.8").out);
    EXPECT_NE(bvd.find("/etc/blockvisor/config.json"), std::string::npos);
}

TEST(ManualPages, NodeModesPagesCarryTheirGetoptOptions) {
    const auto babel = plain_text(render("babel.8").out);
    for (const auto* text : {"--state-dir", "--channel", "--supervisor-socket", "babel check-config", "--json",
                             "/var/lib/babel"}) {
        EXPECT_NE(babel.find(text), std::string::npos) << text;
    }
    const auto babelsup = plain_text(render("babelsup.8").out);
    for (const auto* text : {"--data-volume", "--power-off", "PID 1"}) {
        EXPECT_NE(babelsup.find(text), std::string::npos) << text;
    }
}

}  // namespace
}  // namespace bv::test
