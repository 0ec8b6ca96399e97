#include <gtest/gtest.h>

#include "machine/sandbox_spawner.hpp"

namespace bv::machine {
namespace {

SandboxLayout example(bool own_network) {
    return {"/images/rootfs", "/n/upper",       "/n/work",        "/n/root",       "/n/channel",
            "/n/state",       "/n/data",        "/bin/babelsup",  "/n/console.log", "/n/channel/babelsup.sock",
            "node-one",       own_network};
}

void expect_same(const SandboxLayout& a, const SandboxLayout& b) {
    EXPECT_EQ(a.image_rootfs, b.image_rootfs);
    EXPECT_EQ(a.upper, b.upper);
    EXPECT_EQ(a.work, b.work);
    EXPECT_EQ(a.root, b.root);
    EXPECT_EQ(a.channel_dir, b.channel_dir);
    EXPECT_EQ(a.state_dir, b.state_dir);
    EXPECT_EQ(a.data_dir, b.data_dir);
    EXPECT_EQ(a.babelsup_binary, b.babelsup_binary);
    EXPECT_EQ(a.console_log, b.console_log);
    EXPECT_EQ(a.babelsup_socket, b.babelsup_socket);
    EXPECT_EQ(a.hostname, b.hostname);
    EXPECT_EQ(a.own_network, b.own_network);
}

TEST(SandboxLayoutMessage, ALayoutComesBackAsItWasSent) {
    for (const bool own_network : {false, true}) {
        const auto decoded = decode_sandbox_layout(encode_sandbox_layout(example(own_network)));
        ASSERT_TRUE(decoded);
        expect_same(*decoded, example(own_network));
    }
}

TEST(SandboxLayoutMessage, PathsWithSpacesAndEmptyFieldsKeepTheirPlaces) {
    auto layout = example(false);
    layout.upper = "/a dir/with spaces";
    layout.data_dir = "";
    const auto decoded = decode_sandbox_layout(encode_sandbox_layout(layout));
    ASSERT_TRUE(decoded);
    expect_same(*decoded, layout);
}

TEST(SandboxLayoutMessage, AnythingElseIsRefused) {
    const auto message = encode_sandbox_layout(example(true));
    EXPECT_FALSE(decode_sandbox_layout(""));
    EXPECT_FALSE(decode_sandbox_layout(message.substr(0, message.size() - 1))) << "the last field without its end";
    EXPECT_FALSE(decode_sandbox_layout(message.substr(0, message.size() / 2)));
    EXPECT_FALSE(decode_sandbox_layout(message + "extra")) << "bytes after the last field";
    EXPECT_FALSE(decode_sandbox_layout(message + std::string("1\0", 2))) << "a field too many";
    auto bad_flag = message;
    bad_flag[bad_flag.size() - 2] = 'y';
    EXPECT_FALSE(decode_sandbox_layout(bad_flag)) << "own_network is 0 or 1";
}

}  // namespace
}  // namespace bv::machine
