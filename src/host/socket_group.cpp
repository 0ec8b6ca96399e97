#include "host/socket_group.hpp"

#include <unistd.h>

#include <charconv>
#include <system_error>

#include "common/files.hpp"

namespace bv {

std::optional<gid_t> find_group_id(std::string_view group_file, std::string_view name) {
    while (!group_file.empty()) {
        const auto end = std::min(group_file.find('\n'), group_file.size());
        const auto line = group_file.substr(0, end);
        group_file.remove_prefix(std::min(end + 1, group_file.size()));
        // name:password:gid:members
        const auto first = line.find(':');
        if (first == std::string_view::npos || line.substr(0, first) != name) continue;
        const auto second = line.find(':', first + 1);
        if (second == std::string_view::npos) continue;
        const auto gid_text = line.substr(second + 1, line.find(':', second + 1) - second - 1);
        gid_t gid = 0;
        const auto [parsed_to, ec] = std::from_chars(gid_text.data(), gid_text.data() + gid_text.size(), gid);
        if (ec == std::errc() && parsed_to == gid_text.data() + gid_text.size() && !gid_text.empty()) return gid;
    }
    return std::nullopt;
}

std::optional<gid_t> give_socket_to_group(const std::filesystem::path& root, const std::filesystem::path& socket) {
    const auto group_file = read_file_if_exists(root / "etc/group");
    if (!group_file) return std::nullopt;
    const auto gid = find_group_id(*group_file, kSocketGroup);
    if (!gid) return std::nullopt;
    if (::chown(socket.c_str(), static_cast<uid_t>(-1), *gid) != 0) {
        throw std::system_error(errno, std::generic_category(),
                                "cannot give " + socket.string() + " to group " + std::string(kSocketGroup));
    }
    return gid;
}

}  // namespace bv
