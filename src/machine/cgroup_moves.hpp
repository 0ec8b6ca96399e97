#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bv::machine {

// The host's cgroup2 mount, as /proc/self/mountinfo lists it: /sys/fs/cgroup on a cgroup v2
// host, the unified hierarchy (often /sys/fs/cgroup/unified) on a hybrid one.
struct Cgroup2Mount {
    std::string mount_point;
    std::vector<std::string> super_options;  // "rw", "nsdelegate", ...
};

// The first cgroup2 mount of the hierarchy's root in `mountinfo` (the text of
// /proc/self/mountinfo); none when the host has no cgroup2 mount.
std::optional<Cgroup2Mount> find_cgroup2_mount(std::string_view mountinfo);

// Reconfigures the mount's superblock with exactly `super_options` (fspick: the mount's own
// nosuid, noexec... stay; options not given are cleared). Throws std::system_error.
void reconfigure_cgroup2_mount(const std::string& mount_point, const std::vector<std::string>& super_options);

enum class CgroupMoves { fast_already, made_fast, no_cgroup2_mount };

// Moving a process into a cgroup (a sandbox's PID 1 into its limits, at each start) waits for
// an RCU grace period while the kernel keeps its thread-group lock optimised for forks: 5 to
// 22 ms here, more than the rest of the start. The cgroup2 mount option favordynmods (Linux
// 6.0+) trades that for slightly dearer forks and exits (not measurable here: 0.71 ms per
// fork and exec of /bin/true either way); the lock is global, so it also speeds moves in the
// v1 hierarchies of a hybrid host. Reconfigures the mount with its options kept and
// favordynmods added; throws std::system_error saying what failed.
CgroupMoves favor_cgroup_moves();

}  // namespace bv::machine
