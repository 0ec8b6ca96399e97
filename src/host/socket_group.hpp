#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string_view>

namespace bv {

// The group whose members may use bvd's socket without root (the Debian package creates it).
inline constexpr std::string_view kSocketGroup = "blockvisor";

// The id of group `name` in the text of a group(5) file ("name:x:gid:members" lines).
std::optional<gid_t> find_group_id(std::string_view group_file, std::string_view name);

// Gives `socket` to kSocketGroup when <root>/etc/group has it (read directly: a static binary
// has no NSS); returns the group's id, or nullopt when there is no such group (the socket stays
// root's). Throws std::system_error when the chown fails.
std::optional<gid_t> give_socket_to_group(const std::filesystem::path& root, const std::filesystem::path& socket);

}  // namespace bv
