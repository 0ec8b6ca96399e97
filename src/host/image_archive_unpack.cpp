// unpack_image_archive: the generic unpacker (archive/archive_unpack.hpp) with what an image
// may hold (image_archive_rules.hpp).

#include <sys/stat.h>

#include "host/image_archive.hpp"

namespace bv::host {
namespace {

using archives::EntryKind;

void check_image_entry(const std::string& path, EntryKind kind, const std::string& named) {
    if (path == "babel.toml") {
        if (kind == EntryKind::hard_link || kind == EntryKind::symlink) {
            throw ArchiveError(named + ": babel.toml must be a file, not a link");
        }
        if (kind == EntryKind::directory) throw ArchiveError(named + ": babel.toml must be a file");
    }
    if ((path.empty() || path == "rootfs") && kind != EntryKind::directory &&
        kind != EntryKind::hard_link) {
        throw ArchiveError(named + ": must be a directory");
    }
}

void check_image_shape() {
    struct stat status {};
    if (::lstat("babel.toml", &status) != 0 || !S_ISREG(status.st_mode)) {
        throw ArchiveError("not an image archive: it has no babel.toml");
    }
    if (::lstat("rootfs", &status) != 0 || !S_ISDIR(status.st_mode)) {
        throw ArchiveError("not an image archive: it has no rootfs/ directory");
    }
}

const archives::ArchiveRules& image_rules() {
    static const archives::ArchiveRules rules{
        .what = "image",
        .entry_path = image_entry_path,
        .check_entry = check_image_entry,
        .check_symlink_target = check_symlink_target,
        .hard_link_prefix = "rootfs/",
        .special_files_reason = " (images cannot hold one; bvd mounts /dev in every node)",
        .check_shape = check_image_shape,
    };
    return rules;
}

}  // namespace

UnpackedArchive unpack_image_archive(const std::filesystem::path& archive,
                                     const std::filesystem::path& destination,
                                     const UnpackLimits& limits) {
    return archives::unpack_archive(archive, destination, image_rules(), limits);
}

}  // namespace bv::host
