#pragma once

// Unpacking an archive from the network into a directory, refusing whatever could reach out
// of it: the checks every archive gets (paths, links through links, duplicates, sizes, devices,
// setuid bits) are here; what a kind of archive may hold (an image: babel.toml and rootfs/; a
// bundle: plain files) is given as ArchiveRules. Blocking: call it on a worker thread.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "archive/archive_error.hpp"

namespace bv::archives {

enum class EntryKind { directory, file, symlink, hard_link, special };

struct ArchiveRules {
    // "image", "bundle": used in messages ("the image would unpack to more than ...").
    std::string what;
    // The entry's path relative to the destination, normalised ("" is the destination itself);
    // throws ArchiveError to refuse the name.
    std::function<std::string(std::string_view raw)> entry_path;
    // Throws ArchiveError (with `named`, "entry 'x'", in front) unless an entry of `kind` may
    // sit at `path`. Called before the generic checks of that kind.
    std::function<void(const std::string& path, EntryKind kind, const std::string& named)>
        check_entry;
    // Throws unless the symbolic link at `path` may point at `target`. Unset: no symbolic links.
    std::function<void(std::string_view path, std::string_view target)> check_symlink_target;
    // Hard links may point at an earlier file whose path starts with this; unset: no hard links.
    std::optional<std::string> hard_link_prefix;
    // Added to the refusal of devices, FIFOs and sockets: why this kind of archive holds none.
    std::string special_files_reason;
    // After the last entry, with the destination as the working directory: throws ArchiveError
    // when a required entry is missing.
    std::function<void()> check_shape;
};

struct UnpackLimits {
    std::uint64_t max_total_bytes = 64ULL << 30;  // of all files, unpacked
    std::uint64_t max_entry_bytes = 32ULL << 30;  // of one file
    std::uint64_t max_entries = 2'000'000;
};

struct UnpackedArchive {
    std::uint64_t entries = 0;
    std::uint64_t bytes = 0;
    // Files whose setuid/setgid bits were cleared.
    std::uint64_t setid_cleared = 0;
};

// Unpacks a tar archive (plain, gzip or zstd: detected) into `destination`, which must not
// exist yet. Refused, with an ArchiveError naming the archive and the entry, and `destination`
// removed: what `rules` refuse, devices, FIFOs and sockets, entries through a symbolic link,
// duplicates, a file over `limits.max_entry_bytes`, more than `limits.max_total_bytes` in all,
// more than `limits.max_entries` entries. Setuid and setgid bits are cleared. Owners are kept
// when running as root.
UnpackedArchive unpack_archive(const std::filesystem::path& archive,
                               const std::filesystem::path& destination, const ArchiveRules& rules,
                               const UnpackLimits& limits = {});

}  // namespace bv::archives
