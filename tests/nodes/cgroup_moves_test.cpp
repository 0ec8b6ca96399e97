// bvd turns favordynmods on at the host's cgroup2 mount, so that moving a sandbox into its
// cgroup does not wait for an RCU grace period (machine/cgroup_moves.hpp).

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>

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

// Reconfigures the mount with its options but favordynmods (fspick clears what it is not given).
bool turn_favordynmods_off(const machine::Cgroup2Mount& mount) {
    const int context = ::fspick(AT_FDCWD, mount.mount_point.c_str(), FSPICK_CLOEXEC);
    if (context < 0) return false;
    bool done = true;
    for (const auto& option : mount.super_options) {
        if (option != "favordynmods") done = done && ::fsconfig(context, FSCONFIG_SET_FLAG, option.c_str(), nullptr, 0) == 0;
    }
    done = done && ::fsconfig(context, FSCONFIG_CMD_RECONFIGURE, nullptr, nullptr, 0) == 0;
    ::close(context);
    return done;
}

TEST(CgroupMoves, BvdTurnsFavordynmodsOnAtTheCgroup2MountKeepingItsOtherOptions) {
    const auto before = cgroup2_mount();
    if (!before) GTEST_SKIP() << "this host has no cgroup2 mount";
    ASSERT_TRUE(turn_favordynmods_off(*before)) << "cannot reconfigure " << before->mount_point;
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
