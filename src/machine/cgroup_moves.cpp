#include "machine/cgroup_moves.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>
#include <system_error>

#include "common/files.hpp"

namespace bv::machine {
namespace {

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::istringstream in(text);
    for (std::string part; std::getline(in, part, separator);) parts.push_back(part);
    return parts;
}

[[noreturn]] void fail(const std::string& what) { throw std::system_error(errno, std::generic_category(), what); }

}  // namespace

std::optional<Cgroup2Mount> find_cgroup2_mount(std::string_view mountinfo) {
    std::istringstream lines{std::string(mountinfo)};
    for (std::string line; std::getline(lines, line);) {
        // ID PARENT MAJOR:MINOR ROOT MOUNT_POINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER_OPTIONS
        const auto separator = line.find(" - ");
        if (separator == std::string::npos) continue;
        std::istringstream head(line.substr(0, separator));
        std::istringstream tail(line.substr(separator + 3));
        std::string id, parent, device, root, mount_point, type, source, super_options;
        if (!(head >> id >> parent >> device >> root >> mount_point) || !(tail >> type >> source >> super_options)) continue;
        if (type != "cgroup2" || root != "/") continue;
        return Cgroup2Mount{mount_point, split(super_options, ',')};
    }
    return std::nullopt;
}

void reconfigure_cgroup2_mount(const std::string& mount_point, const std::vector<std::string>& super_options) {
    struct Context {
        int fd;
        ~Context() {
            if (fd >= 0) ::close(fd);
        }
    } context{::fspick(AT_FDCWD, mount_point.c_str(), FSPICK_CLOEXEC)};
    if (context.fd < 0) fail("cannot open " + mount_point + " to reconfigure it");
    for (const auto& option : super_options) {
        const auto equals = option.find('=');
        const int result = equals == std::string::npos
                               ? ::fsconfig(context.fd, FSCONFIG_SET_FLAG, option.c_str(), nullptr, 0)
                               : ::fsconfig(context.fd, FSCONFIG_SET_STRING, option.substr(0, equals).c_str(),
                                            option.substr(equals + 1).c_str(), 0);
        if (result != 0) fail("cannot set " + option + " on " + mount_point);
    }
    if (::fsconfig(context.fd, FSCONFIG_CMD_RECONFIGURE, nullptr, nullptr, 0) != 0) {
        std::string joined;
        for (const auto& option : super_options) joined += (joined.empty() ? "" : ",") + option;
        fail("cannot remount " + mount_point + " with " + joined);
    }
}

CgroupMoves favor_cgroup_moves() {
    const auto mount = find_cgroup2_mount(read_file("/proc/self/mountinfo"));
    if (!mount) return CgroupMoves::no_cgroup2_mount;
    const auto& options = mount->super_options;
    if (std::find(options.begin(), options.end(), "favordynmods") != options.end()) return CgroupMoves::fast_already;
    auto wanted = options;
    wanted.emplace_back("favordynmods");
    reconfigure_cgroup2_mount(mount->mount_point, wanted);
    return CgroupMoves::made_fast;
}

}  // namespace bv::machine
