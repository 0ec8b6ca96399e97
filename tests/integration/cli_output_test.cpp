// bv's output as it depends on where it goes: a terminal (a pseudo-terminal made by script(1))
// or a pipe; NO_COLOR, COLUMNS and --quiet.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <sstream>

#include "blockvisor/v1/node.pb.h"
#include "support/host_under_test.hpp"
#include "support/rpc_call.hpp"
#include "support/test_images.hpp"

namespace bv::test {
namespace {

namespace json = boost::json;

// bv on a pseudo-terminal, with `environment` ("NO_COLOR=1 COLUMNS=60"): what the terminal shows.
std::string on_terminal(const HostUnderTest& host, const std::string& environment, const std::string& arguments) {
    const auto command = environment + " " + binary("bv") + " --root " + host.root().string() + " " + arguments;
    return run({"script", "--quiet", "--return", "--command", command, "/dev/null"}).out;
}

// Columns a terminal line takes: escape sequences take none, an ellipsis (3 bytes) one.
std::size_t shown_width(const std::string& line) {
    std::size_t width = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
        if (line[i] == '\033') {
            while (i < line.size() && line[i] != 'm') ++i;
        } else if (line[i] != '\r' && (static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) {
            ++width;
        }
    }
    return width;
}

class CliOutput : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(host_.bv({"image", "import", test_image("dummy").string(), "--replace"}).exit_code, 0);
        image_ = json::value_to<std::string>(
            json::parse(host_.bv({"image", "list", "--json"}).out).at("images").as_array().at(0).at("name"));
    }
    HostUnderTest host_;
    std::string image_;
};

TEST_F(CliOutput, QuietPrintsOnlyWhatAScriptNeeds) {
    const auto created = host_.bv({"node", "create", image_, "--name", "quiet-node", "--quiet"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    const auto id = json::value_to<std::string>(json::parse(host_.bv({"node", "info", "quiet-node", "--json"}).out).at("id"));
    EXPECT_EQ(created.out, id + "\n");
    const auto started = host_.bv({"-q", "node", "start", "quiet-node"});
    EXPECT_EQ(started.exit_code, 0) << started.err;
    EXPECT_EQ(started.out + started.err, "");
    const auto failed = host_.bv({"node", "start", "no-such-node", "--quiet"});
    EXPECT_EQ(failed.exit_code, 1);
    EXPECT_NE(failed.err.find("no-such-node"), std::string::npos) << "errors are never quiet";
    const auto imported = host_.bv({"image", "import", test_image("dummy").string(), "--replace", "--quiet"});
    EXPECT_EQ(imported.exit_code, 1) << "in use by the node";
    ASSERT_EQ(host_.bv({"node", "delete", "quiet-node", "-q"}).out, "");
    EXPECT_EQ(host_.bv({"image", "import", test_image("dummy").string(), "--replace", "--quiet"}).out, "");
}

TEST_F(CliOutput, ColourOnlyOnATerminalAndNeverWithNoColor) {
    ASSERT_EQ(host_.bv({"node", "create", image_, "--name", "coloured"}).exit_code, 0);
    ASSERT_EQ(host_.bv({"node", "start", "coloured"}).exit_code, 0);
    const auto piped = host_.bv({"node", "list"});
    EXPECT_NE(piped.out.find("running"), std::string::npos) << piped.out;
    EXPECT_EQ(piped.out.find('\033'), std::string::npos) << "a pipe gets no colour";
    EXPECT_NE(on_terminal(host_, "", "node list").find("\033[32mrunning\033[0m"), std::string::npos);
    const auto no_color = on_terminal(host_, "NO_COLOR=1", "node list");
    EXPECT_NE(no_color.find("running"), std::string::npos) << no_color;
    EXPECT_EQ(no_color.find('\033'), std::string::npos) << no_color;
}

TEST_F(CliOutput, TablesFitColumnsAndKeepTheIdWhole) {
    const auto created = host_.bv({"node", "create", image_, "--name", "a-rather-long-node-name-for-the-table", "-q"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    const auto id = created.out.substr(0, created.out.find('\n'));
    const auto table = on_terminal(host_, "COLUMNS=70", "node list");
    std::istringstream lines(table);
    std::string line;
    int rows = 0;
    while (std::getline(lines, line)) {
        EXPECT_LE(shown_width(line), 70u) << line;
        ++rows;
    }
    EXPECT_EQ(rows, 2) << table;
    EXPECT_NE(table.find(id), std::string::npos) << table;
    EXPECT_NE(table.find("\u2026"), std::string::npos) << "cut cells say so: " << table;
    // A pipe without COLUMNS gets whole cells, however long.
    EXPECT_NE(host_.bv({"node", "list"}).out.find("a-rather-long-node-name-for-the-table"), std::string::npos);
}

// `bv node list` asks for the table's fields alone; --json and other callers get everything.
TEST_F(CliOutput, TheTableAsksForItsFieldsAloneAndJsonGetsEverything) {
    ASSERT_EQ(host_.bv({"node", "create", image_, "--name", "listed", "--props", "key=value"}).exit_code, 0);
    blockvisor::v1::ListNodesRequest request;
    request.set_table_only(true);
    const auto socket = rpc::unix_endpoint(host_.socket().string());
    const auto table = call<blockvisor::v1::ListNodesResponse>(socket, "blockvisor.v1.NodeService/List", request);
    EXPECT_EQ(table.nodes_size(), 0);
    ASSERT_EQ(table.rows_size(), 1);
    EXPECT_EQ(table.rows(0).name(), "listed");
    EXPECT_EQ(table.rows(0).id(), json::value_to<std::string>(json::parse(host_.bv({"node", "info", "listed", "--json"}).out).at("id")));
    EXPECT_EQ(table.rows(0).image(), image_);
    EXPECT_EQ(table.rows(0).status(), blockvisor::v1::NODE_STATUS_STOPPED);
    EXPECT_EQ(table.rows(0).ip(), "");
    request.set_table_only(false);
    const auto full = call<blockvisor::v1::ListNodesResponse>(socket, "blockvisor.v1.NodeService/List", request);
    EXPECT_EQ(full.rows_size(), 0);
    ASSERT_EQ(full.nodes_size(), 1);
    EXPECT_EQ(full.nodes(0).properties().at("key"), "value");
    EXPECT_TRUE(full.nodes(0).has_requirements());
    const auto listed = json::parse(host_.bv({"node", "list", "--json"}).out).at("nodes").as_array().at(0).as_object();
    EXPECT_EQ(listed.at("properties").at("key"), "value");
    EXPECT_NE(host_.bv({"node", "list"}).out.find("listed"), std::string::npos);
}

TEST_F(CliOutput, ImportShowsLiveProgressOnATerminalOnly) {
    const auto terminal = on_terminal(host_, "", "image import " + test_image("dummy").string() + " --replace");
    EXPECT_NE(terminal.find("\rimporting "), std::string::npos) << terminal;
    EXPECT_NE(terminal.find("\r\033[K"), std::string::npos) << "the progress line is cleared: " << terminal;
    EXPECT_NE(terminal.find("imported " + image_), std::string::npos) << terminal;
    const auto piped = host_.bv({"image", "import", test_image("dummy").string(), "--replace"});
    EXPECT_EQ(piped.err, "");
    EXPECT_EQ(piped.out.find("importing"), std::string::npos) << piped.out;
    EXPECT_NE(piped.out.find("imported " + image_), std::string::npos) << piped.out;
}

}  // namespace
}  // namespace bv::test
