#include <gtest/gtest.h>

#include "machine/cgroup_moves.hpp"

namespace bv::machine {
namespace {

using Options = std::vector<std::string>;

void expect_mount(const char* mountinfo, const std::string& mount_point, const Options& super_options) {
    const auto mount = find_cgroup2_mount(mountinfo);
    ASSERT_TRUE(mount) << mountinfo;
    EXPECT_EQ(mount->mount_point, mount_point);
    EXPECT_EQ(mount->super_options, super_options);
}

TEST(CgroupMoves, FindsTheUnifiedHierarchyOfAHybridHost) {
    const auto mountinfo =
        "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
    expect_mount(mountinfo, "/sys/fs/cgroup/unified", Options{"rw"});
}

TEST(CgroupMoves, KeepsEveryOptionOfASystemdHostAndSkipsOptionalFields) {
    const auto mountinfo =
        "25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
        "28 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 master:1 - cgroup2 cgroup2 "
        "rw,nsdelegate,memory_recursiveprot\n";
    expect_mount(mountinfo, "/sys/fs/cgroup", Options{"rw", "nsdelegate", "memory_recursiveprot"});
}

TEST(CgroupMoves, TakesTheHierarchysRootNotABindOfAGroupInsideIt) {
    const auto mountinfo =
        "50 40 0:26 /system.slice/x /run/x/cgroup rw - cgroup2 cgroup2 rw\n"
        "28 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,favordynmods\n";
    expect_mount(mountinfo, "/sys/fs/cgroup", Options{"rw", "favordynmods"});
}

TEST(CgroupMoves, NoCgroup2MountAndTornLinesAreNone) {
    EXPECT_FALSE(find_cgroup2_mount("32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"));
    EXPECT_FALSE(find_cgroup2_mount(""));
    EXPECT_FALSE(find_cgroup2_mount("41 31 0:38 / - cgroup2\n"));
    EXPECT_FALSE(find_cgroup2_mount("41 31 0:38 / /sys/fs/cgroup/unified rw cgroup2 cgroup2 rw\n"));
}

}  // namespace
}  // namespace bv::machine
