#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bv::archives {

// The components of a path inside an archive, "." and empty ones dropped ("./a//b/" -> a, b).
std::vector<std::string_view> path_components(std::string_view path);

// An entry's path relative to the destination, normalised ("./rootfs//bin/" -> "rootfs/bin";
// "./" -> ""). Throws ArchiveError for an empty name, an absolute path or a ".." component.
std::string normalised_entry_path(std::string_view raw);

}  // namespace bv::archives
