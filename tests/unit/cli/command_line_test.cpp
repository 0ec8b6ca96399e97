// The command line of `bv node` and `bv image`: usage errors exit with 2 before any call to
// bvd; valid command lines get as far as calling bvd, which is not running here (exit 1).

#include <gtest/gtest.h>

#include <vector>

#include "cli/cli.hpp"

namespace bv::cli {
namespace {

int run_bv(std::vector<const char*> arguments) {
    arguments.insert(arguments.begin(), {"bv", "--socket", "/nonexistent/bvd.sock"});
    return run_cli(static_cast<int>(arguments.size()), arguments.data());
}

constexpr int kUsageError = 2;
constexpr int kDaemonUnreachable = 1;

TEST(CliCommandLine, CreateRejectsAPropertyWithoutValue) {
    EXPECT_EQ(run_bv({"node", "create", "ethereum/reth/1.2.3", "--props", "novalue"}), kUsageError);
}

TEST(CliCommandLine, CreateRejectsAnAddressOnTheHostNetwork) {
    EXPECT_EQ(run_bv({"node", "create", "ethereum/reth/1.2.3", "--ip", "10.20.0.5"}), kUsageError);
    EXPECT_EQ(run_bv({"node", "create", "ethereum/reth/1.2.3", "--network", "host", "--gateway",
                      "10.20.0.1"}),
              kUsageError);
}

TEST(CliCommandLine, CreateRejectsAnUnknownNetwork) {
    EXPECT_EQ(run_bv({"node", "create", "ethereum/reth/1.2.3", "--network", "overlay"}),
              kUsageError);
}

TEST(CliCommandLine, CreateWithBridgeAndPropertiesCallsBvd) {
    EXPECT_EQ(run_bv({"node", "create", "ethereum/reth/1.2.3", "--name", "eth-1", "--props", "a=1",
                      "b=2", "--network", "bridge", "--ip", "10.20.0.5", "--gateway", "10.20.0.1"}),
              kDaemonUnreachable);
}

TEST(CliCommandLine, DeleteNeedsANode) {
    EXPECT_EQ(run_bv({"node", "delete"}), kUsageError);
}

TEST(CliCommandLine, RestartNeedsANode) {
    EXPECT_EQ(run_bv({"node", "restart", "--force"}), kUsageError);
}

TEST(CliCommandLine, StartAndStopWithoutANodeCallBvd) {
    EXPECT_EQ(run_bv({"node", "start"}), kDaemonUnreachable);
    EXPECT_EQ(run_bv({"node", "stop", "--force"}), kDaemonUnreachable);
}

TEST(CliCommandLine, UpgradeNeedsANodeAndAnImage) {
    EXPECT_EQ(run_bv({"node", "upgrade", "eth-1"}), kUsageError);
    EXPECT_EQ(run_bv({"node", "upgrade", "eth-1", "ethereum/reth/1.3.0"}), kDaemonUnreachable);
}

TEST(CliCommandLine, RunRejectsAParameterWithoutValue) {
    EXPECT_EQ(run_bv({"node", "run", "eth-1", "height", "--param", "x"}), kUsageError);
    EXPECT_EQ(run_bv({"node", "run", "eth-1", "height", "--param", "x=1", "--timeout", "500"}),
              kDaemonUnreachable);
}

TEST(CliCommandLine, OneNodeCommandsNeedTheNode) {
    for (const char* command : {"status", "info", "logs", "keys", "capabilities", "metrics"}) {
        EXPECT_EQ(run_bv({"node", command}), kUsageError) << command;
        EXPECT_EQ(run_bv({"node", command, "eth-1"}), kDaemonUnreachable) << command;
    }
}

TEST(CliCommandLine, JsonMayFollowTheSubcommand) {
    EXPECT_EQ(run_bv({"node", "list", "--running", "--image", "reth", "--json"}),
              kDaemonUnreachable);
}

TEST(CliCommandLine, StreamsCallBvd) {
    EXPECT_EQ(run_bv({"node", "logs", "eth-1", "--follow", "--lines", "20"}), kDaemonUnreachable);
    EXPECT_EQ(run_bv({"node", "watch"}), kDaemonUnreachable);
}

TEST(CliCommandLine, ImageCommands) {
    EXPECT_EQ(run_bv({"image", "list"}), kDaemonUnreachable);
    EXPECT_EQ(run_bv({"image", "import"}), kUsageError);
    EXPECT_EQ(run_bv({"image", "import", "some/dir", "--replace"}), kDaemonUnreachable);
}

TEST(CliCommandLine, HostMetricsCallsBvd) {
    EXPECT_EQ(run_bv({"host", "metrics"}), kDaemonUnreachable);
}

TEST(CliCommandLine, UnknownNodeCommandIsAUsageError) {
    EXPECT_EQ(run_bv({"node", "frobnicate"}), kUsageError);
}

}  // namespace
}  // namespace bv::cli
