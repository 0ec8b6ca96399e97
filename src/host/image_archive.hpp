#pragma once

// Node images as one file: a tar archive (gzip or zstd compressed) of babel.toml and rootfs/,
// what a control plane serves and bvd downloads. Blocking functions: call them on a worker
// thread. The rules of what an archive may hold are in image_archive_rules.hpp.

#include <cstdint>
#include <filesystem>
#include <string>

#include "archive/archive_unpack.hpp"
#include "host/image_archive_rules.hpp"

namespace bv::host {

enum class ArchiveCompression { gzip, zstd };

struct PackedArchive {
    std::uint64_t size = 0;
    std::string sha256;  // lower-case hex
};

// Packs IMAGE_DIR/babel.toml and IMAGE_DIR/rootfs/ into `archive` (replaced; written beside
// it first, so a failure leaves nothing). Entries in name order with their modes, owners
// (numeric) and modification times, symbolic links as links (absolute targets made
// relative: see relative_symlink_target), hard links as links. The same tree gives the same
// bytes. Throws ArchiveError naming the file for what an image may not hold (devices, FIFOs,
// sockets, links out of rootfs/) and for I/O errors.
PackedArchive pack_image_archive(const std::filesystem::path& image_dir,
                                 const std::filesystem::path& archive,
                                 ArchiveCompression compression = ArchiveCompression::gzip);

using archives::UnpackedArchive;
using archives::UnpackLimits;

// Unpacks an image archive (tar, plain, gzip or zstd: detected) into `destination`, which
// must not exist yet. Refused, with an ArchiveError naming the entry and `destination`
// removed: absolute paths, ".." components, entries other than babel.toml and rootfs/...,
// devices, FIFOs and sockets, symbolic links out of rootfs/ or absolute ones, hard links to
// anything but an earlier file of rootfs/, entries through a symbolic link, duplicates, a
// file over `limits.max_entry_bytes`, more than `limits.max_total_bytes` in all, more than
// `limits.max_entries` entries, and an archive without babel.toml (a file) and rootfs/ (a
// directory). Setuid and setgid bits are cleared. Owners are kept when running as root.
UnpackedArchive unpack_image_archive(const std::filesystem::path& archive,
                                     const std::filesystem::path& destination,
                                     const UnpackLimits& limits = {});

}  // namespace bv::host
