#include <gtest/gtest.h>

#include "babel/vm_boot_config.hpp"

namespace bv::babel {
namespace {

TEST(VmBootConfig, RoundTripsThroughTheKernelCommandLine) {
    VmBootConfig config{"calm-river-7", GuestLink{"06:00:0a:14:00:05", "10.20.0.5/24", "10.20.0.1"},
                        GuestLink{"06:01:00:00:00:40", "169.254.1.2/30", ""}, "litecoin/regtest/0.21.2.1"};
    const auto parsed =
        parse_vm_boot_config("console=ttyS0 quiet " + vm_boot_parameters(config) + " panic=-1 -- babelsup --vm-init");
    EXPECT_EQ(parsed.hostname, "calm-river-7");
    ASSERT_TRUE(parsed.public_link);
    EXPECT_EQ(parsed.public_link->address, "10.20.0.5/24");
    EXPECT_EQ(parsed.public_link->gateway, "10.20.0.1");
    ASSERT_TRUE(parsed.channel_link);
    EXPECT_EQ(parsed.channel_link->mac, "06:01:00:00:00:40");
    EXPECT_TRUE(parsed.channel_link->gateway.empty());
    EXPECT_EQ(parsed.image, "litecoin/regtest/0.21.2.1");
}

TEST(VmBootConfig, NoPublicLinkInHostMode) {
    const auto parsed = parse_vm_boot_config("bv.hostname=a bv.channel=06:01:00:00:00:40,169.254.1.2/30");
    EXPECT_FALSE(parsed.public_link);
}

TEST(VmBootConfig, WithoutAChannelLinkTheChannelIsVsock) {
    const auto parsed = parse_vm_boot_config("bv.hostname=a -- babelsup --vm-init");
    EXPECT_FALSE(parsed.channel_link);
    EXPECT_EQ(vm_boot_parameters(parsed), "bv.hostname=a");
}

TEST(VmBootConfig, ModulesGetTheirParametersFromTheCommandLineAsModprobeGivesThem) {
    const auto line = "console=ttyS0 virtio_mmio.device=512@0xfeb00e00:12 virtio-mmio.device=512@0xfeb01000:13 "
                      "virtio_mmio_x.y=1 virtio_mmio. -- virtio_mmio.device=init";
    EXPECT_EQ(module_parameters(line, "virtio_mmio"), "device=512@0xfeb00e00:12 device=512@0xfeb01000:13");
    EXPECT_EQ(module_parameters(line, "virtio_blk"), "");
}

TEST(VmBootConfig, NamesTheParameterThatIsMissingOrMalformed) {
    EXPECT_THROW(parse_vm_boot_config("bv.channel=06:01:00:00:00:40,169.254.1.2/30"), std::invalid_argument);
    try {
        parse_vm_boot_config("bv.hostname=a bv.channel=06:01,169.254.1.2");
        FAIL() << "no error";
    } catch (const std::invalid_argument& error) {
        EXPECT_NE(std::string(error.what()).find("bv.channel"), std::string::npos) << error.what();
    }
}

}  // namespace
}  // namespace bv::babel
