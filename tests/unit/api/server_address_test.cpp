#include "api/server_address.hpp"

#include <gtest/gtest.h>

#include "api/tls_material.hpp"
#include "support/process.hpp"

namespace bv::api {
namespace {

TEST(ParseListenAddress, TakesIpv4AndBracketedIpv6WithAPort) {
    const auto v4 = parse_listen_address("127.0.0.1:8443");
    EXPECT_EQ(v4.host, "127.0.0.1");
    EXPECT_EQ(v4.port, 8443);
    const auto v6 = parse_listen_address("[::1]:0");
    EXPECT_EQ(v6.host, "::1");
    EXPECT_EQ(v6.port, 0);
    for (const char* bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:8x", "localhost:8443", ":8443"}) {
        EXPECT_THROW(parse_listen_address(bad), std::invalid_argument) << bad;
    }
}

TEST(DefaultPublicUrl, IsTheListenAddressOrTheHostNameForAWildcard) {
    EXPECT_EQ(default_public_url({"127.0.0.1", 8443}, "box"), "https://127.0.0.1:8443");
    EXPECT_EQ(default_public_url({"0.0.0.0", 8443}, "box"), "https://box:8443");
    EXPECT_EQ(default_public_url({"::1", 9}, "box"), "https://[::1]:9");
    EXPECT_EQ(local_address({"0.0.0.0", 1}), "127.0.0.1");
    EXPECT_EQ(local_address({"10.1.2.3", 1}), "10.1.2.3");
}

TEST(ServerInfo, RoundTripsAndAMissingFileSaysHowToStart) {
    test::TempDir dir("bv-api");
    write_server_info(dir.path() / "server.json", {{"127.0.0.1", 4321}, "https://example:4321", 77});
    const auto info = read_server_info(dir.path() / "server.json");
    EXPECT_EQ(info.listening.port, 4321);
    EXPECT_EQ(info.public_url, "https://example:4321");
    EXPECT_EQ(info.pid, 77);
    try {
        read_server_info(dir.path() / "nothing.json");
        FAIL();
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("bv-api serve --data"), std::string::npos) << error.what();
    }
}

TEST(ServerNames, CoverLoopbackTheHostNameAndTheAddressesGiven) {
    EXPECT_EQ(server_names("0.0.0.0", "api.example.com", "box"),
              (std::vector<std::string>{"127.0.0.1", "::1", "localhost", "box", "api.example.com"}));
    EXPECT_EQ(server_names("10.0.0.5", "10.0.0.5", "box"),
              (std::vector<std::string>{"127.0.0.1", "::1", "localhost", "box", "10.0.0.5"}));
}

}  // namespace
}  // namespace bv::api
