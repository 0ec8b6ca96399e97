#pragma once

#include <filesystem>

namespace bv::babel {

// Mounts the node's data volume at `mount_point` (created if needed): a block device is
// mounted (ext4, xfs or btrfs), a directory is bind-mounted. Nothing happens when it is
// mounted there already. Throws std::system_error saying what failed.
void mount_data_volume(const std::filesystem::path& source, const std::filesystem::path& mount_point);

// Whether something is mounted exactly at `path` (per /proc/self/mountinfo).
bool is_mount_point(const std::filesystem::path& path);

}  // namespace bv::babel
