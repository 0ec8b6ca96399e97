// babelsup and babel, the real binaries, driving a real blockchain client (Debian's
// litecoind in regtest mode) through its real RPC.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include "common/files.hpp"
#include "common/sha256.hpp"
#include "support/babel_node.hpp"
#include "support/host_under_test.hpp"
#include "support/rpc_call.hpp"

namespace bv::test {
namespace {

using namespace std::chrono_literals;

bool process_exists(int pid) { return pid > 0 && ::kill(pid, 0) == 0; }

class LitecoinNode : public ::testing::Test {
protected:
    void SetUp() override {
        std::filesystem::create_directories(data_dir());
        node_.install_babel(node_binary());
        node_.setup(litecoin_babel_toml(data_dir(), port_, keys_dir()));
        ASSERT_TRUE(eventually([&] { return height_answers(); }, 60s)) << last_log(50);
    }

    std::filesystem::path data_dir() const { return node_.dir() / "data"; }
    std::filesystem::path keys_dir() const { return node_.dir() / "keys"; }

    bool height_answers() {
        try {
            node_.run("height");
            return true;
        } catch (const rpc::Error&) {
            return false;
        }
    }

    std::string last_log(std::uint32_t lines) {
        babel_v1::LogsRequest request;
        request.set_lines(lines);
        std::string text;
        try {
            for (const auto& message : call_stream<babel_v1::LogsResponse>(node_.babel(), "blockvisor.babel.v1.Babel/Logs", request)) {
                for (const auto& line : message.lines()) text += line.source() + ": " + line.text() + "\n";
            }
        } catch (const rpc::Error& error) {
            text += std::string("(logs unavailable: ") + error.what() + ")";
        }
        return text;
    }

    std::uint16_t port_ = free_local_port();
    BabelNode node_;
};

TEST_F(LitecoinNode, HeightStartsAtZeroAndFollowsGeneratedBlocks) {
    EXPECT_EQ(node_.run("height"), "0");
    EXPECT_EQ(node_.run("generate_blocks", {{"COUNT", "5"}}), "generated 5");
    EXPECT_EQ(node_.run("height"), "5");
    EXPECT_EQ(node_.run("peers"), "0");
    EXPECT_EQ(node_.run("block_hash", {{"HEIGHT", "5"}}).size(), 64u);
}

TEST_F(LitecoinNode, CapabilitiesAndVersion) {
    const auto capabilities = call<babel_v1::ListCapabilitiesResponse>(
        node_.babel(), "blockvisor.babel.v1.Babel/ListCapabilities", babel_v1::ListCapabilitiesRequest());
    std::vector<std::string> methods(capabilities.methods().begin(), capabilities.methods().end());
    EXPECT_TRUE(std::is_sorted(methods.begin(), methods.end()));
    EXPECT_NE(std::find(methods.begin(), methods.end(), "height"), methods.end());
    const auto version = call<babel_v1::VersionResponse>(node_.babel(), "blockvisor.babel.v1.Babel/Version",
                                                         babel_v1::VersionRequest());
    EXPECT_EQ(version.image(), "litecoin/regtest/0.21.2.1");
    const auto status = node_.status();
    EXPECT_FALSE(status.babel_sha256().empty());
    EXPECT_EQ(status.babel_version(), version.version());
}

TEST_F(LitecoinNode, KilledChainIsRestartedAndAnswersAgain) {
    const int first_pid = node_.entry_point_pid("litecoind");
    ASSERT_GT(first_pid, 0);
    ::kill(first_pid, SIGKILL);
    // The first restart comes after backoff_base_ms (100 ms), well within this bound.
    ASSERT_TRUE(eventually([&] {
        const int pid = node_.entry_point_pid("litecoind");
        return pid > 0 && pid != first_pid;
    }, 10s));
    EXPECT_TRUE(eventually([&] { return height_answers(); }, 60s)) << last_log(30);
    const auto status = node_.status();
    EXPECT_EQ(status.entry_points(0).restarts(), 1u);
    EXPECT_NE(status.entry_points(0).last_exit().find("signal 9"), std::string::npos) << status.entry_points(0).last_exit();
}

TEST_F(LitecoinNode, LogsHoldTheChainsOutputAndReadingDoesNotConsume) {
    const auto log = last_log(2000);
    EXPECT_NE(log.find("litecoind: "), std::string::npos) << log;
    EXPECT_NE(log.find("Litecoin Core version"), std::string::npos) << log;
    EXPECT_EQ(last_log(2000).find("Litecoin Core version") != std::string::npos, true);
}

TEST_F(LitecoinNode, KeysRoundTripWithPrivateFiles) {
    babel_v1::UploadKeysRequest upload;
    auto* key = upload.add_keys();
    key->set_name("validator.key");
    key->set_content("very secret");
    const auto written = call<babel_v1::UploadKeysResponse>(node_.babel(), "blockvisor.babel.v1.Babel/UploadKeys", upload);
    ASSERT_EQ(written.paths_size(), 1);
    EXPECT_EQ(written.paths(0), (keys_dir() / "validator.key").string());
    struct stat status {};
    ASSERT_EQ(::stat(written.paths(0).c_str(), &status), 0);
    EXPECT_EQ(status.st_mode & 0777, 0600);

    const auto downloaded = call<babel_v1::DownloadKeysResponse>(node_.babel(), "blockvisor.babel.v1.Babel/DownloadKeys",
                                                                 babel_v1::DownloadKeysRequest());
    ASSERT_EQ(downloaded.keys_size(), 1);
    EXPECT_EQ(downloaded.keys(0).name(), "validator.key");
    EXPECT_EQ(downloaded.keys(0).content(), "very secret");
}

TEST_F(LitecoinNode, KeyNamesThatEscapeTheDirectoryAreRejected) {
    for (const auto* name : {"../escape", "a/b", "..", ""}) {
        babel_v1::UploadKeysRequest upload;
        auto* key = upload.add_keys();
        key->set_name(name);
        key->set_content("x");
        const auto error = error_of([&] {
            call<babel_v1::UploadKeysResponse>(node_.babel(), "blockvisor.babel.v1.Babel/UploadKeys", upload);
        });
        EXPECT_TRUE(error.starts_with("invalid_argument")) << name << ": " << error;
    }
    EXPECT_FALSE(std::filesystem::exists(node_.dir() / "escape"));
}

TEST_F(LitecoinNode, InitRunsOnceEvenAcrossRestarts) {
    const auto first = call<babel_v1::InitResponse>(node_.babel(), "blockvisor.babel.v1.Babel/Init", babel_v1::InitRequest());
    EXPECT_TRUE(first.ran());
    const auto second = call<babel_v1::InitResponse>(node_.babel(), "blockvisor.babel.v1.Babel/Init", babel_v1::InitRequest());
    EXPECT_FALSE(second.ran());
    node_.stop_babelsup();
    node_.start_babelsup();
    ASSERT_TRUE(eventually([&] { return height_answers(); }, 60s));
    const auto third = call<babel_v1::InitResponse>(node_.babel(), "blockvisor.babel.v1.Babel/Init", babel_v1::InitRequest());
    EXPECT_FALSE(third.ran());
    EXPECT_EQ(read_file(node_.dir() / "init-runs"), "init ran\n");
}

TEST_F(LitecoinNode, BabelUpdateKeepsTheChainRunning) {
    const int chain_pid = node_.entry_point_pid("litecoind");
    const int old_babel_pid = node_.status().babel_pid();
    // A different binary: the same one with bytes appended (ELF ignores trailing data).
    const auto new_binary = node_.dir() / "babel-new";
    write_file_atomically(new_binary, read_file(node_binary()) + "a newer build", 0755);
    node_.install_babel(new_binary);
    const auto status = node_.status();
    EXPECT_NE(status.babel_pid(), old_babel_pid);
    EXPECT_EQ(node_.entry_point_pid("litecoind"), chain_pid);
    EXPECT_TRUE(process_exists(chain_pid));
    EXPECT_EQ(status.babel_sha256(), sha256_hex(read_file(new_binary)));
    EXPECT_NO_THROW(call<babel_v1::VersionResponse>(node_.babel(), "blockvisor.babel.v1.Babel/Version", babel_v1::VersionRequest()));
    EXPECT_EQ(node_.run("height"), "0");
}

// bvd may stop waiting (its deadline passes, or it restarts) while babelsup installs babel:
// the install goes on to its end.
TEST_F(LitecoinNode, BabelInstallOutlivesACallerThatStoppedWaiting) {
    const auto new_binary = node_.dir() / "babel-new";
    write_file_atomically(new_binary, read_file(node_binary()) + "another build", 0755);
    const auto error = error_of([&] { node_.install_babel(new_binary, {}, 1ms); });
    EXPECT_TRUE(error.starts_with("deadline_exceeded")) << error;
    const auto wanted = sha256_hex(read_file(new_binary));
    EXPECT_TRUE(eventually([&] { return node_.status().babel_sha256() == wanted; }, 30s)) << last_log(20);
    // The status names the new binary as soon as it is in place; it answers once started.
    EXPECT_TRUE(eventually([&] { return height_answers(); }, 30s)) << last_log(20);
    EXPECT_EQ(node_.run("height"), "0");
}

TEST_F(LitecoinNode, CorruptBabelUploadIsRefusedAndTheOldBabelKeepsServing) {
    const auto before = node_.status();
    const auto error = error_of([&] { node_.install_babel(node_binary(), std::string(64, '0')); });
    EXPECT_TRUE(error.starts_with("data_loss")) << error;
    const auto after = node_.status();
    EXPECT_EQ(after.babel_pid(), before.babel_pid());
    EXPECT_EQ(after.babel_sha256(), before.babel_sha256());
    EXPECT_EQ(node_.run("height"), "0");
}

TEST_F(LitecoinNode, BabelThatFailsItsHealthCheckIsRolledBack) {
    const auto before = node_.status();
    const auto broken = node_.dir() / "broken-babel";
    write_file_atomically(broken, "#!/bin/sh\necho this babel is broken >&2\nexit 3\n", 0755);
    const auto error = error_of([&] { node_.install_babel(broken); });
    EXPECT_TRUE(error.starts_with("failed_precondition")) << error;
    EXPECT_NE(error.find("previous babel was restored"), std::string::npos) << error;
    EXPECT_EQ(node_.status().babel_sha256(), before.babel_sha256());
    EXPECT_TRUE(eventually([&] { return height_answers(); }, 20s));
}

TEST_F(LitecoinNode, BadCallsGetClearErrorsAndBabelKeepsServing) {
    const auto unknown = error_of([&] { node_.run("no_such_method"); });
    EXPECT_TRUE(unknown.starts_with("not_found")) << unknown;
    EXPECT_NE(unknown.find("height"), std::string::npos) << "should list the methods: " << unknown;

    const auto failing = error_of([&] { node_.run("fail"); });
    EXPECT_TRUE(failing.starts_with("failed_precondition")) << failing;
    EXPECT_NE(failing.find("exited with code 1"), std::string::npos) << failing;
    EXPECT_NE(failing.find("something broke"), std::string::npos) << failing;

    const auto slow = error_of([&] { node_.run("slow", {}, 300); });
    EXPECT_TRUE(slow.starts_with("deadline_exceeded")) << slow;

    // sh exits at once, but its background job keeps the output open: still bounded.
    const auto background = error_of([&] { node_.run("background", {}, 300); });
    EXPECT_TRUE(background.starts_with("deadline_exceeded")) << background;

    const auto huge = error_of([&] { node_.run("huge"); });
    EXPECT_TRUE(huge.starts_with("resource_exhausted")) << huge;

    const auto missing_param = error_of([&] { node_.run("generate_blocks"); });
    EXPECT_TRUE(missing_param.starts_with("invalid_argument")) << missing_param;
    EXPECT_NE(missing_param.find("COUNT"), std::string::npos) << missing_param;

    const auto chain_error = error_of([&] { node_.run("block_hash", {{"HEIGHT", "999"}}); });
    EXPECT_TRUE(chain_error.starts_with("failed_precondition")) << chain_error;
    EXPECT_NE(chain_error.find("getblockhash"), std::string::npos) << chain_error;

    EXPECT_EQ(node_.run("height"), "0");
}

// Methods the way the original system's files leave them when a call is still to be found.
constexpr std::string_view kUnfinishedMethods = R"(
[[methods]]
name = "address"
transport = "jrpc"
method = "" # find

    [methods.response]
    code = 200
    field = "result.address"

[[methods]]
name = "status"
transport = "rest"
method = "" # find

    [methods.response]
    status = 200
    format = "json"

[[methods]]
name = "name"
transport = "sh"
body = ""

[[methods]]
name = "block_age"
transport = "jrpc"
method = "getblockcount"

    [methods.response]
    code = 200
    field = "" # find
)";

TEST_F(LitecoinNode, UnfinishedMethodsFailClearlyWhileTheOthersWork) {
    node_.setup(litecoin_babel_toml(data_dir(), port_, keys_dir()) + std::string(kUnfinishedMethods));
    ASSERT_TRUE(eventually([&] { return height_answers(); }, 60s)) << last_log(50);
    const std::map<std::string, std::string> expected{
        {"address", "its jrpc method name is empty"},
        {"status", "its rest path is empty"},
        {"name", "its sh body is empty"},
        {"block_age", "its response field is empty"},
    };
    for (const auto& [method, missing] : expected) {
        SCOPED_TRACE(method);
        const auto error = error_of([&, name = method] { node_.run(name); });
        EXPECT_TRUE(error.starts_with("failed_precondition: method '" + method +
                                      "' is not finished in the node's config: " + missing))
            << error;
    }
    EXPECT_EQ(node_.run("generate_blocks", {{"COUNT", "2"}}), "generated 2");
    EXPECT_EQ(node_.run("height"), "2");
    EXPECT_EQ(node_.run("echo", {{"TEXT", "still here"}}), "still here");
    // babelsup wrote the config's warnings into the node's log.
    const auto log = last_log(1000);
    const auto warning = log.find(R"(].method: warning: method "address" is not finished: its jrpc method name is empty)");
    ASSERT_NE(warning, std::string::npos) << log;
    EXPECT_NE(log.rfind("babel.toml:", warning), std::string::npos) << log;
}

TEST_F(LitecoinNode, ShellParametersCannotInjectCommands) {
    const auto marker = node_.dir() / "pwned";
    const std::string attack = "'; touch " + marker.string() + " #";
    EXPECT_EQ(node_.run("echo", {{"TEXT", attack}}), attack);
    EXPECT_EQ(node_.run("echo", {{"TEXT", "$(touch " + marker.string() + ")"}}), "$(touch " + marker.string() + ")");
    EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST_F(LitecoinNode, InvalidConfigIsRefusedAndTheNodeKeepsRunning) {
    const int chain_pid = node_.entry_point_pid("litecoind");
    const auto error = error_of([&] { node_.setup("[config\nprotocol = "); });
    EXPECT_TRUE(error.starts_with("invalid_argument")) << error;
    EXPECT_EQ(node_.entry_point_pid("litecoind"), chain_pid);
    EXPECT_EQ(node_.run("height"), "0");
}

TEST_F(LitecoinNode, NodeComesBackAfterARestartWithoutBvd) {
    node_.run("generate_blocks", {{"COUNT", "3"}});
    const int chain_pid = node_.entry_point_pid("litecoind");
    const auto stopped = node_.stop_babelsup();
    EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
    EXPECT_FALSE(process_exists(chain_pid)) << "litecoind outlived babelsup";
    node_.start_babelsup();
    ASSERT_TRUE(eventually([&] { return height_answers(); }, 60s)) << last_log(30);
    // litecoind stopped on SIGTERM, so its chain state was flushed.
    EXPECT_EQ(node_.run("height"), "3");
}

TEST_F(LitecoinNode, ShutdownStopsTheChainAndBabelsup) {
    const int chain_pid = node_.entry_point_pid("litecoind");
    call<babel_v1::ShutdownResponse>(node_.babelsup(), "blockvisor.babel.v1.BabelSup/Shutdown", babel_v1::ShutdownRequest());
    const auto result = node_.babelsup_process().wait(30s);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->exit_code, 0);
    EXPECT_FALSE(process_exists(chain_pid));
}

// A Shutdown whose caller stops waiting still stops everything and ends babelsup.
TEST_F(LitecoinNode, ShutdownGoesOnWhenTheCallerStopsWaiting) {
    const int chain_pid = node_.entry_point_pid("litecoind");
    const auto error = error_of([&] {
        call<babel_v1::ShutdownResponse>(node_.babelsup(), "blockvisor.babel.v1.BabelSup/Shutdown",
                                         babel_v1::ShutdownRequest(), 1ms);
    });
    EXPECT_TRUE(error.starts_with("deadline_exceeded")) << error;
    const auto result = node_.babelsup_process().wait(30s);
    ASSERT_TRUE(result) << "babelsup kept running";
    EXPECT_EQ(result->exit_code, 0);
    EXPECT_FALSE(process_exists(chain_pid));
}

TEST(BabelWithoutChain, DeadApiHostIsUnavailableAndBabelKeepsServing) {
    BabelNode node;
    node.install_babel(node_binary());
    node.setup(fmt::format(R"(
[config]
protocol = "nothing"
node_type = "none"
node_version = "1"
babel_version = "0.1.0"
api_host = "http://127.0.0.1:{}/"
data_directory_mount_point = "/tmp"
[supervisor]
[[supervisor.entry_point]]
command = "sleep"
args = ["1000"]
[[methods]]
name = "height"
transport = "jrpc"
method = "getblockcount"
)", free_local_port()));
    const auto error = error_of([&] { node.run("height"); });
    EXPECT_TRUE(error.starts_with("unavailable")) << error;
    EXPECT_NE(error.find("getblockcount"), std::string::npos) << error;
    EXPECT_NO_THROW(call<babel_v1::PingResponse>(node.babel(), "blockvisor.babel.v1.Babel/Ping", babel_v1::PingRequest()));
}

// An original-format config whose init was left empty: the node starts (init is skipped, not
// remembered as done) and init runs once a config fills it in.
TEST(BabelWithoutChain, UnfinishedInitIsSkippedUntilAConfigFillsItIn) {
    BabelNode node;
    node.install_babel(node_binary());
    const auto config = [&](std::string_view init_body) {
        return fmt::format(R"(
[env]
path_append = "/blockjoy/bin/"

[config]
protocol = "nothing"
node_type = "validator"
babel_version = "0.0.1"
node_version = "1.0.0" # not a chain
data_directory_mount_point = "/tmp"

[supervisor]
backoff_timeout_ms = 60000
backoff_base_ms = 100
log_buffer_capacity_ln = 1000

    [[supervisor.entry_point]]
    command = "sleep"
    args = ["1000"]

[[methods]]
name = "version"
transport = "sh"
body = "echo 1.0.0"

    [methods.response]
    status = 0
    format = "raw"

[[methods]]
name = "init"
transport = "sh"
body = "{}"

    [methods.response]
    status = 0
    format = "raw"
)",
                           init_body);
    };
    node.setup(config(""));
    const auto skipped = call<babel_v1::InitResponse>(node.babel(), "blockvisor.babel.v1.Babel/Init", babel_v1::InitRequest());
    EXPECT_FALSE(skipped.ran());
    EXPECT_EQ(node.run("version"), "1.0.0");
    const auto error = error_of([&] { node.run("init"); });
    EXPECT_NE(error.find("method 'init' is not finished in the node's config: its sh body is empty"), std::string::npos)
        << error;

    const auto marker = node.dir() / "init-ran";
    node.setup(config("touch " + marker.string()));
    const auto ran = call<babel_v1::InitResponse>(node.babel(), "blockvisor.babel.v1.Babel/Init", babel_v1::InitRequest());
    EXPECT_TRUE(ran.ran());
    EXPECT_TRUE(std::filesystem::exists(marker));
}

TEST(BabelWithoutChain, ConfigNeedingANewerBabelIsRefused) {
    BabelNode node;
    const auto error = error_of([&] {
        node.setup(R"(
[config]
protocol = "future"
node_type = "none"
node_version = "1"
babel_version = "99.0.0"
data_directory_mount_point = "/tmp"
[supervisor]
[[supervisor.entry_point]]
command = "sleep"
args = ["1000"]
)");
    });
    EXPECT_TRUE(error.starts_with("failed_precondition")) << error;
    EXPECT_NE(error.find("99.0.0"), std::string::npos) << error;
}

}  // namespace
}  // namespace bv::test
