#pragma once

// What an image archive may hold, as pure functions over entry paths and link targets: the
// packer and the unpacker (image_archive.hpp) apply the same rules, and they are tested
// without archives.

#include <string>
#include <string_view>

#include "archive/archive_error.hpp"

namespace bv::host {

using archives::ArchiveError;

// The path of an entry relative to the image directory, with "." and empty components
// dropped ("./rootfs//bin/" -> "rootfs/bin"; "./" -> ""). Refused: absolute paths, ".."
// components, and anything but "babel.toml" and "rootfs" (or below it) at the top.
std::string image_entry_path(std::string_view raw);

// Throws ArchiveError unless `target`, read from the directory of the symbolic link at
// `link_path` (an image_entry_path below rootfs/), stays inside rootfs/. Refused as well: absolute
// targets (bvd and the sandbox set-up work on the host, where "/etc" is the host's), and ".." after
// a name
// ("a/../b": the kernel resolves ".." after the link "a" points to, not lexically).
void check_symlink_target(std::string_view link_path, std::string_view target);

// An absolute target as the node sees it ("/lib/x" from rootfs/lib64/ld) rewritten relative
// to the link's directory ("../lib/x"), which means the same inside the node and stays in
// the image on the host. Relative targets are returned unchanged.
std::string relative_symlink_target(std::string_view link_path, std::string_view target);

}  // namespace bv::host
