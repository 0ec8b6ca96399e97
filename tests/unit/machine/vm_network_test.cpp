#include <gtest/gtest.h>

#include "machine/backend_registry.hpp"
#include "machine/vm_network.hpp"

namespace bv::machine {
namespace {

TEST(VmNetwork, MacComesFromTheAddressWithOrWithoutPrefix) {
    EXPECT_EQ(mac_of_ip("10.20.0.5"), "06:00:0a:14:00:05");
    EXPECT_EQ(mac_of_ip("192.168.255.1/24"), "06:00:c0:a8:ff:01");
    EXPECT_EQ(mac_of_ip(""), std::nullopt);
    EXPECT_EQ(mac_of_ip("10.20.0"), std::nullopt);
}

TEST(VmNetwork, TapNamesFitALinuxInterfaceName) {
    const std::string id = "3f2a9c1e-1234-4abc-9def-0123456789ab";
    EXPECT_EQ(public_tap_name(id), "bvt3f2a9c1e1234");
    EXPECT_EQ(channel_tap_name(id), "bvc3f2a9c1e1234");
    EXPECT_LE(public_tap_name(id).size(), 15u);
}

TEST(VmNetwork, ChannelLinksAreDistinctSlash30sOutsideTheReservedEnds) {
    EXPECT_EQ(channel_link_addresses(kFirstChannelLink).host, "169.254.1.1");
    EXPECT_EQ(channel_link_addresses(kFirstChannelLink).guest, "169.254.1.2");
    EXPECT_EQ(channel_link_addresses(kFirstChannelLink + 1).guest, "169.254.1.6");
    EXPECT_EQ(channel_link_addresses(kChannelLinkEnd - 1).guest, "169.254.254.254");
}

TEST(BackendNames, RoundTripAndRefuseUnknown) {
    for (const auto kind : {BackendKind::sandbox, BackendKind::qemu, BackendKind::firecracker}) {
        EXPECT_EQ(parse_backend_name(backend_name(kind)), kind);
    }
    EXPECT_EQ(parse_backend_name("docker"), std::nullopt);
    EXPECT_EQ(parse_accelerator("auto"), Accelerator::automatic);
    EXPECT_EQ(parse_accelerator("tcg"), Accelerator::tcg);
    EXPECT_EQ(parse_accelerator("hvf"), std::nullopt);
}

TEST(BackendRegistry, NamesWhatIsAvailableWhenABackendIsMissing) {
    BackendRegistry registry(BackendKind::sandbox);
    try {
        registry.get(BackendKind::firecracker);
        FAIL() << "no error";
    } catch (const std::invalid_argument& error) {
        EXPECT_NE(std::string(error.what()).find("'firecracker' is not available"), std::string::npos) << error.what();
    }
}

}  // namespace
}  // namespace bv::machine
