// bvd turns favordynmods on at the host's cgroup2 mount, so that moving a sandbox into its
// cgroup does not wait for an RCU grace period (machine/cgroup_moves.hpp).

#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>

#include "common/files.hpp"
#include "machine/cgroup_moves.hpp"
#include "support/host_under_test.hpp"

namespace bv::test {
namespace {

std::optional<machine::Cgroup2Mount> cgroup2_mount() { return machine::find_cgroup2_mount(read_file("/proc/self/mountinfo")); }

bool favors_moves(const machine::Cgroup2Mount& mount) {
    const auto& options = mount.super_options;
    return std::find(options.begin(), options.end(), "favordynmods") != options.end();
}

TEST(CgroupMoves, BvdTurnsFavordynmodsOnAtTheCgroup2MountKeepingItsOtherOptions) {
    const auto before = cgroup2_mount();
    if (!before) GTEST_SKIP() << "this host has no cgroup2 mount";
    std::vector<std::string> without;
    std::copy_if(before->super_options.begin(), before->super_options.end(), std::back_inserter(without),
                 [](const std::string& option) { return option != "favordynmods"; });
    machine::reconfigure_cgroup2_mount(before->mount_point, without);
    const auto off = cgroup2_mount();
    ASSERT_TRUE(off);
    ASSERT_FALSE(favors_moves(*off)) << "this kernel keeps favordynmods on: nothing to check";

    HostUnderTest host;
    const auto after = cgroup2_mount();
    ASSERT_TRUE(after);
    EXPECT_TRUE(favors_moves(*after)) << host.daemon().err();
    for (const auto& option : off->super_options) {
        EXPECT_NE(std::find(after->super_options.begin(), after->super_options.end(), option), after->super_options.end())
            << option << " was lost";
    }
}

}  // namespace
}  // namespace bv::test
