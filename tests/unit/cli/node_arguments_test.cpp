#include "cli/node_arguments.hpp"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

namespace bv::cli {
namespace {

using Values = std::map<std::string, std::string>;

TEST(CliKeyValues, ParsesEachItem) {
    EXPECT_EQ(parse_key_values("--props", {"network=mainnet", "archive=true"}),
              (Values{{"network", "mainnet"}, {"archive", "true"}}));
}

TEST(CliKeyValues, ValueKeepsEverythingAfterTheFirstEquals) {
    EXPECT_EQ(parse_key_values("--param", {"query=a=b"}), (Values{{"query", "a=b"}}));
}

TEST(CliKeyValues, EmptyValueIsAllowed) {
    EXPECT_EQ(parse_key_values("--props", {"bootnodes="}), (Values{{"bootnodes", ""}}));
}

TEST(CliKeyValues, NoItemsIsAnEmptyMap) {
    EXPECT_TRUE(parse_key_values("--props", {}).empty());
}

TEST(CliKeyValues, ItemWithoutEqualsIsAUsageError) {
    try {
        parse_key_values("--props", {"a=1", "novalue"});
        FAIL() << "no error";
    } catch (const CLI::ValidationError& error) {
        EXPECT_NE(std::string(error.what()).find("--props"), std::string::npos) << error.what();
        EXPECT_NE(std::string(error.what()).find("'novalue'"), std::string::npos) << error.what();
    }
}

TEST(CliKeyValues, EmptyKeyIsAUsageError) {
    EXPECT_THROW(parse_key_values("--props", {"=1"}), CLI::ValidationError);
}

TEST(CliKeyValues, KeyGivenTwiceIsAUsageError) {
    EXPECT_THROW(parse_key_values("--props", {"a=1", "a=2"}), CLI::ValidationError);
}

TEST(CliNodeNetwork, HostNetworkByDefault) {
    const auto network = node_network_of_options("host", "", "");
    EXPECT_EQ(network.mode(), "host");
    EXPECT_EQ(network.ip(), "");
    EXPECT_EQ(network.gateway(), "");
}

TEST(CliNodeNetwork, BridgeTakesAddressAndGateway) {
    const auto network = node_network_of_options("bridge", "10.20.0.5", "10.20.0.1");
    EXPECT_EQ(network.mode(), "bridge");
    EXPECT_EQ(network.ip(), "10.20.0.5");
    EXPECT_EQ(network.gateway(), "10.20.0.1");
}

TEST(CliNodeNetwork, BridgeWithoutAddressLeavesItToBvd) {
    EXPECT_EQ(node_network_of_options("bridge", "", "").mode(), "bridge");
}

TEST(CliNodeNetwork, AddressWithoutBridgeIsAUsageError) {
    EXPECT_THROW(node_network_of_options("host", "10.20.0.5", ""), CLI::ValidationError);
    EXPECT_THROW(node_network_of_options("host", "", "10.20.0.1"), CLI::ValidationError);
}

}  // namespace
}  // namespace bv::cli
