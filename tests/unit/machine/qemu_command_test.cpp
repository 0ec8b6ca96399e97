#include <gtest/gtest.h>

#include <algorithm>

#include "machine/qemu_command.hpp"
#include "support/example_vm_spec.hpp"

namespace bv::machine {
namespace {

MachineSpec vm_spec() {
    auto spec = test::example_vm_spec();
    spec.vm.channel_link = 64;
    return spec;
}

std::string after(const std::vector<std::string>& argv, const std::string& option) {
    const auto found = std::find(argv.begin(), argv.end(), option);
    return found == argv.end() || found + 1 == argv.end() ? "" : *(found + 1);
}

std::string joined(const std::vector<std::string>& argv) {
    std::string text;
    for (const auto& argument : argv) text += argument + " ";
    return text;
}

TEST(QemuCommand, TcgGuestIsToldTheTscRateAndGetsRoomForItsKernel) {
    const auto argv = qemu_command("qemu-system-x86_64", vm_spec(), {false, 2600000});
    EXPECT_EQ(after(argv, "-accel"), "tcg");
    EXPECT_EQ(after(argv, "-m"), "208M");
    EXPECT_NE(after(argv, "-append").find(" tsc_early_khz=2600000 "), std::string::npos) << after(argv, "-append");
    EXPECT_NE(after(argv, "-append").find("-- babelsup --vm-init"), std::string::npos);
    EXPECT_NE(after(argv, "-append").find("bv.channel=06:01:00:00:00:40,169.254.1.2/30"), std::string::npos);
}

TEST(QemuCommand, HostModeHasOnlyTheChannelLinkAndTheOsDiskIsReadOnly) {
    const auto text = joined(qemu_command("qemu", vm_spec(), {true, 2600000}));
    EXPECT_EQ(text.find("tsc_early_khz"), std::string::npos);
    EXPECT_NE(text.find("ifname=bvc3f2a9c1e1234"), std::string::npos);
    EXPECT_EQ(text.find("ifname=bvt"), std::string::npos);
    EXPECT_NE(text.find("file=/image/vm/os.img,format=raw,if=none,cache=none,aio=threads,readonly=on"), std::string::npos);
    EXPECT_NE(text.find("-daemonize"), std::string::npos);
}

TEST(QemuCommand, BridgeModeAddsAPublicTapWithTheMacOfTheAddress) {
    auto spec = test::example_bridged_vm_spec();
    spec.vm.channel_link = vm_spec().vm.channel_link;
    const auto text = joined(qemu_command("qemu", spec, {false, 0}));
    EXPECT_NE(text.find("ifname=bvt3f2a9c1e1234"), std::string::npos);
    EXPECT_NE(text.find("mac=06:00:0a:14:00:05"), std::string::npos);
    EXPECT_NE(text.find("bv.net=06:00:0a:14:00:05,10.20.0.5/24,10.20.0.1"), std::string::npos);
}

}  // namespace
}  // namespace bv::machine
