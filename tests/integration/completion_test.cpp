// bv's shell completion as a user gets it: the script bv prints, loaded into a real bash (zsh,
// fish) that completes against a running bvd.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>

#include "common/files.hpp"
#include "support/host_under_test.hpp"
#include "support/test_images.hpp"

namespace bv::test {
namespace {

namespace json = boost::json;

// PATH with the build tree's bv first, as an installed bv would be.
std::map<std::string, std::string> bv_on_path() {
    const char* path = std::getenv("PATH");
    return {{"PATH", std::string(BV_BINARY_DIR) + ":" + (path != nullptr ? path : "/usr/bin:/bin")}};
}

// Loads `bv completion bash` into bash and completes each line of `lines` (words separated by
// spaces; a trailing space: the cursor on a new, empty word) as bash does on TAB: one line
// "WORDS -> CANDIDATES" (sorted) each.
std::string complete_in_bash(const std::vector<std::string>& lines) {
    std::string script = R"sh(source <(bv completion bash) || exit 1
complete -p bv
complete_line() {
    read -r -a COMP_WORDS <<< "$1"
    [[ $1 == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
    COMP_LINE=$1 COMP_POINT=${#1}
    COMPREPLY=()
    _bv bv "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    local candidates=
    (( ${#COMPREPLY[@]} )) && candidates=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ')
    echo "$1-> $candidates"
}
)sh";
    for (const auto& line : lines) script += "complete_line '" + line + "'\n";
    const auto result = run({"bash", "--norc", "-c", script}, std::chrono::seconds(30), bv_on_path());
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.err, "");
    return result.out;
}

TEST(Completion, BashCompletesSubcommandsOptionsNodesAndImagesOfTheRunningBvd) {
    HostUnderTest host;
    ASSERT_EQ(host.bv({"image", "import", test_image("dummy").string(), "--replace"}).exit_code, 0);
    const auto image = json::value_to<std::string>(
        json::parse(host.bv({"image", "list", "--json"}).out).at("images").as_array().at(0).at("name"));
    const auto created = host.bv({"node", "create", image, "--name", "tab-node", "--json"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    const auto id = json::value_to<std::string>(json::parse(created.out).at("id"));
    const auto root = host.root().string();

    const auto out = complete_in_bash({
        "bv ",
        "bv no",
        "bv node st",
        "bv node logs --f",
        "bv --root " + root + " node start ",
        "bv node stop --root " + root + " tab",
        "bv --root " + root + " node upgrade tab-node ",
        "bv --root " + root + " node create ",
        "bv node create --network ",
        "bv completion ",
        "bv --root /nonexistent node start ",  // no bvd there: nothing, and no error on the terminal
    });
    EXPECT_NE(out.find("complete -F _bv bv\n"), std::string::npos) << out;
    EXPECT_NE(out.find("bv -> completion host image init node status \n"), std::string::npos) << out;
    EXPECT_NE(out.find("bv no-> node \n"), std::string::npos) << out;
    EXPECT_NE(out.find("bv node st-> start status stop \n"), std::string::npos) << out;
    EXPECT_NE(out.find("bv node logs --f-> --follow \n"), std::string::npos) << out;
    EXPECT_NE(out.find("node start -> " + id + " tab-node \n"), std::string::npos) << out;
    EXPECT_NE(out.find(root + " tab-> tab-node \n"), std::string::npos) << out;
    EXPECT_NE(out.find("upgrade tab-node -> " + image + " \n"), std::string::npos) << out;
    EXPECT_NE(out.find("node create -> " + image + " \n"), std::string::npos) << out;
    EXPECT_NE(out.find("bv node create --network -> bridge host \n"), std::string::npos) << out;
    EXPECT_NE(out.find("bv completion -> bash fish zsh \n"), std::string::npos) << out;
    EXPECT_NE(out.find("\nbv --root /nonexistent node start -> \n"), std::string::npos) << out;
}

TEST(Completion, HiddenCompleteCommandListsNamesAndIdsAndIsQuietWithoutBvd) {
    TempDir nowhere("bv-no-host");
    const auto result = run({binary("bv"), "--root", nowhere.path().string(), "__complete", "nodes"});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_EQ(result.out + result.err, "");
    const auto help = run({binary("bv"), "--help"});
    EXPECT_EQ(help.out.find("__complete"), std::string::npos) << "hidden from --help: " << help.out;
}

TEST(Completion, ZshAndFishScriptsParseAndFishCompletesSubcommands) {
    for (const auto* shell : {"zsh", "fish"}) {
        const auto script = run({binary("bv"), "completion", shell});
        ASSERT_EQ(script.exit_code, 0) << script.err;
        TempDir dir("bv-completion");
        const auto file = dir.path() / "bv-completion";
        write_file_atomically(file, script.out);
        const auto check = run({shell, "-n", file.string()});
        EXPECT_EQ(check.exit_code, 0) << shell << ": " << check.err;
        if (std::string(shell) == "fish") {
            const auto completed = run({"fish", "--no-config", "-c", "source " + file.string() + "; complete -C 'bv node st'"},
                                       std::chrono::seconds(30), bv_on_path());
            EXPECT_NE(completed.out.find("start\tStart nodes"), std::string::npos) << completed.out << completed.err;
            EXPECT_NE(completed.out.find("stop\t"), std::string::npos) << completed.out;
        }
    }
}

}  // namespace
}  // namespace bv::test
