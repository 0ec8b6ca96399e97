#include "babel/method_text.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>

#include "support/process.hpp"

namespace bv::babel {
namespace {

std::filesystem::path unique_marker_path() {
    static int counter = 0;
    return std::filesystem::temp_directory_path() /
           ("pwned-" + std::to_string(getpid()) + "-" + std::to_string(++counter));
}

std::string message_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const MethodTextError& error) {
        return error.what();
    }
    ADD_FAILURE() << "expected MethodTextError";
    return {};
}

// ---- shell_command ------------------------------------------------------------------------------

// Runs `body` with its placeholders filled the way babel runs sh methods; returns stdout.
std::string run_filled(const std::string& body, const std::map<std::string, std::string>& values) {
    const auto command = shell_command(body, values);
    const auto result = test::run({"sh", "-c", command.script}, std::chrono::seconds(10), command.environment);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out;
}

TEST(ShellCommand, PlaceholdersBecomeQuotedVariablesHoldingTheValues) {
    const auto command = shell_command("cli balance {{ADDRESS}} --label {{ NAME }}", {{"ADDRESS", "0xabc"}, {"NAME", "it's me"}});
    EXPECT_EQ(command.script, R"(cli balance "$BV_PARAM_1" --label "$BV_PARAM_2")");
    EXPECT_EQ(command.environment, (std::map<std::string, std::string>{{"BV_PARAM_1", "0xabc"}, {"BV_PARAM_2", "it's me"}}));
}

// Wherever the placeholder stands (a word, a here-document, a comment, after a backslash or
// a dollar sign), the value is data, never shell text.
TEST(ShellCommand, NoValueCanInjectACommandWhereverItsPlaceholderStands) {
    const auto marker = unique_marker_path();
    const std::vector<std::string> attempts = {
        "'; touch " + marker.string() + " #",
        "$(touch " + marker.string() + ")",
        "`touch " + marker.string() + "`",
        "a\ntouch " + marker.string(),
        "x' ; touch " + marker.string() + " ; echo '",
        "\\'; touch " + marker.string() + "; '\\",
        "\";touch " + marker.string() + ";\"",
        "$HOME ${PATH} * ? ~ ; & | < > \" \\ !",
        "",
        "''''",
    };
    const std::vector<std::string> bodies = {
        "printf '%s\\n' {{V}}",
        "set -- {{V}}; printf %s \"$#\"",
        "cat <<EOF\nname={{V}}\nEOF",
        "echo start # {{V}}",
        "echo \\{{V}} || true",
        "echo ${{V}} || true",
    };
    for (const auto& body : bodies) {
        for (const auto& value : attempts) {
            SCOPED_TRACE(body + " with " + value);
            const auto command = shell_command(body, {{"V", value}});
            test::run({"sh", "-c", command.script}, std::chrono::seconds(10), command.environment);
            EXPECT_FALSE(std::filesystem::exists(marker));
        }
    }
    EXPECT_EQ(run_filled("printf '%s\\n' {{V}}", {{"V", "x' ; id"}}), "x' ; id\n");
    EXPECT_EQ(run_filled("set -- {{V}}; printf %s \"$#\"", {{"V", "a b *"}}), "1");
    EXPECT_EQ(run_filled("cat <<EOF\nname={{V}}\nEOF", {{"V", "$(id)"}}), "name=\"$(id)\"\n");
    std::filesystem::remove(marker);
}

TEST(ShellCommand, ValueWithANulByteIsRefused) {
    const auto message = message_of([] { shell_command("echo {{V}}", {{"V", std::string("a\0b", 3)}}); });
    EXPECT_NE(message.find("NUL"), std::string::npos) << message;
}

// ---- json_escape --------------------------------------------------------------------------------

TEST(JsonEscape, EscapesQuotesBackslashesAndControlCharacters) {
    EXPECT_EQ(json_escape(R"(say "hi" \ bye)"), R"(say \"hi\" \\ bye)");
    EXPECT_EQ(json_escape("a\nb\tc\rd\be\ff"), R"(a\nb\tc\rd\be\ff)");
    EXPECT_EQ(json_escape(std::string("\x01\x1f\0", 3)), R"(\u0001\u001f\u0000)");
}

TEST(JsonEscape, LeavesUtf8AndPrintableAsciiAsIs) {
    EXPECT_EQ(json_escape("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 /<>{}\x7f"),
              "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 /<>{}\x7f");
}

// ---- fill_placeholders --------------------------------------------------------------------------

TEST(FillPlaceholders, JsonQuotingEscapesInsideTheTemplatesQuotes) {
    const std::map<std::string, std::string> values = {{"ADDRESS", "0x\"abc\"\n"},
                                                       {"BLOCK", "latest"}};
    EXPECT_EQ(fill_placeholders(R"(["{{ADDRESS}}", "{{BLOCK}}"])", values),
              R"(["0x\"abc\"\n", "latest"])");
}

TEST(FillPlaceholders, SpacesInsideTheBracesAreAllowed) {
    const std::map<std::string, std::string> values = {{"HEIGHT", "42"}};
    EXPECT_EQ(fill_placeholders("{{ HEIGHT }} {{HEIGHT  }} {{  HEIGHT}}", values),
              "42 42 42");
}

TEST(FillPlaceholders, NamesMayHoldDigitsUnderscoresDashesAndDots) {
    const std::map<std::string, std::string> values = {{"node.key_2-b", "v"}};
    EXPECT_EQ(fill_placeholders("{{node.key_2-b}}", values), "v");
}

TEST(FillPlaceholders, MissingValueThrowsNamingThePlaceholder) {
    const std::map<std::string, std::string> values = {{"HEIGHT", "1"}, {"NETWORK", "main"}};
    const auto message = message_of(
        [&] { fill_placeholders("get {{HEIGHT}} {{ ADDRESS }}", values); });
    EXPECT_EQ(message, "no value for placeholder {{ADDRESS}} (values given: HEIGHT, NETWORK)");
}

TEST(FillPlaceholders, TextThatLooksLikeAPlaceholderButIsNotIsLeftAsIs) {
    const std::map<std::string, std::string> values = {{"A", "x"}};
    for (const std::string text : {"{{}}", "{{ }}", "{{A B}}", "{{A}", "{A}}", "{{A", "{{", "}}",
                                   "{{a/b}}", "{{$(id)}}", "{ {A} }", "{{\tA}}"}) {
        EXPECT_EQ(fill_placeholders(text, values), text);
    }
}

TEST(FillPlaceholders, PlaceholderInsideExtraBracesIsStillFilled) {
    const std::map<std::string, std::string> values = {{"A", "x"}};
    EXPECT_EQ(fill_placeholders("{{{A}}}", values), "{x}");
    EXPECT_EQ(fill_placeholders(R"({"k":{{A}}})", values), R"({"k":x})");
}

TEST(FillPlaceholders, TextWithoutPlaceholdersIsUnchanged) {
    EXPECT_EQ(fill_placeholders("echo hello", {}), "echo hello");
    EXPECT_EQ(fill_placeholders("", {}), "");
}

TEST(FillPlaceholders, ValuesAreNotScannedForPlaceholdersAgain) {
    const std::map<std::string, std::string> values = {{"A", "{{B}}"}, {"B", "no"}};
    EXPECT_EQ(fill_placeholders("{{A}}", values), "{{B}}");
}

// ---- extract_and_format -------------------------------------------------------------------------

TEST(MethodTextExtract, PicksANestedFieldOfAnObject) {
    const auto response = R"({"jsonrpc":"2.0","id":1,"result":{"sync":{"height":1234}}})";
    EXPECT_EQ(extract_and_format(response, "result.sync.height", ResponseFormat::raw), "1234");
    EXPECT_EQ(extract_and_format(response, "result.sync", ResponseFormat::json),
              R"({"height":1234})");
}

TEST(MethodTextExtract, ArrayIndicesWalkIntoArrays) {
    const auto response = R"({"data":{"peers":[{"id":"a"},{"id":"b"}]}})";
    EXPECT_EQ(extract_and_format(response, "data.peers.1.id", ResponseFormat::raw), "b");
    EXPECT_EQ(extract_and_format(R"([[1,2],[3,4]])", "1.0", ResponseFormat::raw), "3");
}

TEST(MethodTextExtract, MissingMemberNamesThePathAndShowsWhatWasThere) {
    const auto message = message_of([] {
        extract_and_format(R"({"result":{"hash":"0x1"}})", "result.height", ResponseFormat::raw);
    });
    EXPECT_EQ(message,
              "field 'result.height' not found in response: 'result' has no member 'height' "
              "(it is {\"hash\":\"0x1\"})");
}

TEST(MethodTextExtract, MissingTopLevelMemberSaysTheResponse) {
    const auto message =
        message_of([] { extract_and_format(R"({"a":1})", "b", ResponseFormat::raw); });
    EXPECT_EQ(message,
              "field 'b' not found in response: the response has no member 'b' (it is {\"a\":1})");
}

TEST(MethodTextExtract, IndexOutOfRangeOrNotANumberIsNotFound) {
    const auto response = R"({"peers":[10,20]})";
    EXPECT_EQ(
        message_of([&] { extract_and_format(response, "peers.2", ResponseFormat::raw); }),
        "field 'peers.2' not found in response: 'peers' has no element 2, only 2 (it is [10,20])");
    EXPECT_EQ(
        message_of([&] { extract_and_format(response, "peers.first", ResponseFormat::raw); }),
        "field 'peers.first' not found in response: 'peers' is an array, so 'first' should be "
        "an index (it is [10,20])");
    EXPECT_EQ(message_of([&] { extract_and_format(response, "peers.-1", ResponseFormat::raw); }),
              "field 'peers.-1' not found in response: 'peers' is an array, so '-1' should be an "
              "index (it is [10,20])");
}

TEST(MethodTextExtract, WalkingIntoAScalarIsNotFound) {
    EXPECT_EQ(message_of([] {
                  extract_and_format(R"({"result":"0x10"})", "result.height", ResponseFormat::raw);
              }),
              "field 'result.height' not found in response: 'result' is not an object or an array "
              "(it is \"0x10\")");
}

TEST(MethodTextExtract, ExcerptOfALargeValueIsShort) {
    std::string response = R"({"result":{"logs":")" + std::string(100'000, 'x') + R"("}})";
    const auto message =
        message_of([&] { extract_and_format(response, "result.height", ResponseFormat::raw); });
    EXPECT_LT(message.size(), 400u);
    EXPECT_NE(message.find("{\"logs\":\"xxx"), std::string::npos);
}

TEST(MethodTextExtract, NonJsonResponseThrowsWithAnExcerptWhenAFieldIsNeeded) {
    const auto message = message_of(
        [] { extract_and_format("<html>502 Bad Gateway</html>", "result", ResponseFormat::raw); });
    EXPECT_TRUE(message.starts_with("response is not JSON: '<html>502 Bad Gateway</html>'"))
        << message;
    const auto long_message = message_of(
        [] { extract_and_format(std::string(10'000, '<'), "result", ResponseFormat::raw); });
    EXPECT_LT(long_message.size(), 300u);
}

TEST(MethodTextExtract, NonJsonResponseWithoutAFieldIsRawText) {
    EXPECT_EQ(extract_and_format("OK \n", "", ResponseFormat::raw), "OK");
    EXPECT_TRUE(message_of([] {
                    extract_and_format("OK", "", ResponseFormat::json);
                }).starts_with("response is not JSON: 'OK'"));
}

TEST(MethodTextExtract, RawGivesAStringsOwnTextAndJsonGivesItQuoted) {
    const auto response = R"({"name":"line \"one\"\n\ttab \u00e9\\  "})";
    EXPECT_EQ(extract_and_format(response, "name", ResponseFormat::raw),
              "line \"one\"\n\ttab \xC3\xA9\\");
    EXPECT_EQ(extract_and_format(response, "name", ResponseFormat::json), R"("line \"one\"\n\ttab )"
                                                                          "\xC3\xA9"
                                                                          R"(\\  ")");
}

TEST(MethodTextExtract, RawOfOtherValuesIsCompactJson) {
    const auto response = R"({ "o" : { "a" : [ 1 , true , null ] }, "b": false, "n": null })";
    EXPECT_EQ(extract_and_format(response, "o", ResponseFormat::raw), R"({"a":[1,true,null]})");
    EXPECT_EQ(extract_and_format(response, "b", ResponseFormat::raw), "false");
    EXPECT_EQ(extract_and_format(response, "n", ResponseFormat::raw), "null");
}

TEST(MethodTextExtract, EmptyFieldMeansTheWholeResponse) {
    EXPECT_EQ(extract_and_format(" {\"a\": [1, 2]}\n", "", ResponseFormat::json), R"({"a":[1,2]})");
    EXPECT_EQ(extract_and_format(" {\"a\": [1, 2]}\n", "", ResponseFormat::raw), R"({"a":[1,2]})");
    EXPECT_EQ(extract_and_format(R"("0x1f")", "", ResponseFormat::raw), "0x1f");
}

TEST(MethodTextExtract, BigIntegersSurviveUnchanged) {
    const auto response = R"({"max":18446744073709551615,"min":-9223372036854775808})";
    EXPECT_EQ(extract_and_format(response, "max", ResponseFormat::raw), "18446744073709551615");
    EXPECT_EQ(extract_and_format(response, "max", ResponseFormat::json), "18446744073709551615");
    EXPECT_EQ(extract_and_format(response, "min", ResponseFormat::raw), "-9223372036854775808");
    EXPECT_EQ(extract_and_format(response, "", ResponseFormat::json), response);
}

TEST(MethodTextExtract, RawDecimalNumbersReadAsPeopleWriteThem) {
    const auto response = R"({"progress":0.95,"whole":2.0,"tiny":1e-7})";
    EXPECT_EQ(extract_and_format(response, "progress", ResponseFormat::raw), "0.95");
    EXPECT_EQ(extract_and_format(response, "whole", ResponseFormat::raw), "2");
    EXPECT_EQ(extract_and_format(response, "tiny", ResponseFormat::raw), "1e-07");
}

// ---- format_text --------------------------------------------------------------------------------

TEST(MethodTextFormat, RawTrimsTrailingWhitespaceOnly) {
    EXPECT_EQ(format_text("  12345 \r\n\t\n", ResponseFormat::raw), "  12345");
    EXPECT_EQ(format_text("\n\n", ResponseFormat::raw), "");
    EXPECT_EQ(format_text("not json {", ResponseFormat::raw), "not json {");
}

TEST(MethodTextFormat, JsonIsReserialisedCompactly) {
    EXPECT_EQ(format_text("{\n  \"peers\": [ \"a\", \"b\" ]\n}\n", ResponseFormat::json),
              R"({"peers":["a","b"]})");
}

TEST(MethodTextFormat, JsonOfNonJsonOutputThrows) {
    EXPECT_TRUE(message_of([] {
                    format_text("Error: no peers", ResponseFormat::json);
                }).starts_with("response is not JSON: 'Error: no peers'"));
}

}  // namespace
}  // namespace bv::babel

namespace bv::babel {
namespace {

TEST(PlaceholderInsideQuotes, FindsPlaceholdersInSingleAndDoubleQuotes) {
    EXPECT_EQ(placeholder_inside_quotes("echo '{{A}}'"), "A");
    EXPECT_EQ(placeholder_inside_quotes("curl \"http://h/{{ID}}/x\""), "ID");
    EXPECT_EQ(placeholder_inside_quotes("echo 'x' \"y\" '{{ B }}'"), "B");
}

TEST(PlaceholderInsideQuotes, FindsPlaceholdersInQuotedHereDocuments) {
    EXPECT_EQ(placeholder_inside_quotes("cat > f <<'EOF'\nkey={{K}}\nEOF"), "K");
    EXPECT_EQ(placeholder_inside_quotes("cat <<\"END\" >f\nx\nkey={{K}}\nEND\necho {{OK}}"), "K");
    EXPECT_EQ(placeholder_inside_quotes("cat <<-\\EOF\n\tkey={{K}}\n\tEOF"), "K");
    // The body ends at its delimiter: what follows is shell text again.
    EXPECT_EQ(placeholder_inside_quotes("cat <<'EOF'\nplain\nEOF\necho '{{Q}}'"), "Q");
}

TEST(PlaceholderInsideQuotes, UnquotedHereDocumentsAndHereStringsAreFine) {
    EXPECT_FALSE(placeholder_inside_quotes("cat <<EOF\nname={{V}}\nit's fine\nEOF"));
    EXPECT_FALSE(placeholder_inside_quotes("cat <<-EOF\n\tname={{V}}\n\tEOF\necho {{W}}"));
    EXPECT_FALSE(placeholder_inside_quotes("read x <<< {{V}}"));
    EXPECT_FALSE(placeholder_inside_quotes("jq -r .h <<< \"$status\"\necho {{X}}"));
    EXPECT_FALSE(placeholder_inside_quotes("read -r a <<< \"$(cli x)\"\ncli getblock {{HASH}}"));
    EXPECT_EQ(placeholder_inside_quotes("read a <<< $x\necho '{{Y}}'"), "Y");
}

TEST(PlaceholderInsideQuotes, CommentsAndShiftsAreNotHereDocuments) {
    EXPECT_FALSE(placeholder_inside_quotes("# cat <<'EOF' would not expand it\ncurl http://h/{{ID}}"));
    EXPECT_FALSE(placeholder_inside_quotes("# don't retry\necho {{A}}"));
    EXPECT_FALSE(placeholder_inside_quotes("echo {{A}} # it's bare"));
    EXPECT_EQ(placeholder_inside_quotes("echo $((a<<2))\necho \"{{Q}}\""), "Q");
    EXPECT_EQ(placeholder_inside_quotes("(( x <<= 1 )); echo '{{Q}}'"), "Q");
    EXPECT_FALSE(placeholder_inside_quotes("echo $# {{A}}"));
}

TEST(PlaceholderInsideQuotes, BarePlaceholdersAndEscapedQuotesAreFine) {
    EXPECT_FALSE(placeholder_inside_quotes("generatetoaddress {{COUNT}} addr"));
    EXPECT_FALSE(placeholder_inside_quotes("echo \\' {{A}} \\\""));
    EXPECT_FALSE(placeholder_inside_quotes("echo 'done' && printf '%s' {{TEXT}}"));
    EXPECT_FALSE(placeholder_inside_quotes("echo '{{ not a placeholder'"));
}

}  // namespace
}  // namespace bv::babel
