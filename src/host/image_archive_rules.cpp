#include "host/image_archive_rules.hpp"

#include <vector>

#include "archive/entry_path.hpp"

namespace bv::host {
namespace {

std::string quoted(std::string_view text) {
    return "'" + std::string(text) + "'";
}

// How many directories below rootfs/ the link sits: rootfs/usr/bin/x -> 2.
std::size_t depth_below_rootfs(std::string_view link_path) {
    const auto parts = archives::path_components(link_path);
    if (parts.size() < 2 || parts.front() != "rootfs") {
        throw ArchiveError("entry " + quoted(link_path) + ": a symbolic link outside rootfs/");
    }
    return parts.size() - 2;
}

}  // namespace

std::string image_entry_path(std::string_view raw) {
    const auto path = archives::normalised_entry_path(raw);
    if (path.empty() || path == "babel.toml" || path == "rootfs" || path.starts_with("rootfs/"))
        return path;
    throw ArchiveError(
        "entry " + quoted(raw) +
        ": not part of an image (an image archive holds babel.toml and rootfs/ at its top)");
}

void check_symlink_target(std::string_view link_path, std::string_view target) {
    const auto depth = depth_below_rootfs(link_path);
    const auto what = "symbolic link " + quoted(link_path) + " -> " + quoted(target);
    if (target.empty()) throw ArchiveError(what + ": an empty target");
    if (target.front() == '/') {
        throw ArchiveError(
            what +
            ": an absolute target (the host would follow it out of the image; make it relative)");
    }
    std::size_t climbs = 0;
    bool named = false;
    for (const auto part : archives::path_components(target)) {
        if (part != "..") {
            named = true;
        } else if (named) {
            throw ArchiveError(
                what + ": '..' after a name (it would climb from wherever that name points)");
        } else {
            ++climbs;
        }
    }
    if (climbs > depth) throw ArchiveError(what + ": points out of rootfs/");
}

std::string relative_symlink_target(std::string_view link_path, std::string_view target) {
    if (target.empty() || target.front() != '/') return std::string(target);
    std::string relative;
    for (std::size_t level = depth_below_rootfs(link_path); level > 0; --level) relative += "../";
    for (const auto part : archives::path_components(target)) relative += std::string(part) + "/";
    if (relative.empty()) return ".";
    relative.pop_back();
    return relative;
}

}  // namespace bv::host
