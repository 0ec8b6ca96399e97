#include "babel/data_volume.hpp"

#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>

namespace bv::babel {

bool is_mount_point(const std::filesystem::path& path) {
    const auto wanted = std::filesystem::weakly_canonical(path).string();
    std::ifstream mountinfo("/proc/self/mountinfo");
    for (std::string line; std::getline(mountinfo, line);) {
        // Fields: id parent major:minor root mount-point ...
        std::istringstream fields(line);
        std::string id, parent, device, root, mount_point;
        fields >> id >> parent >> device >> root >> mount_point;
        if (mount_point == wanted) return true;
    }
    return false;
}

void mount_data_volume(const std::filesystem::path& source, const std::filesystem::path& mount_point) {
    std::filesystem::create_directories(mount_point);
    if (is_mount_point(mount_point)) return;
    struct stat status {};
    if (::stat(source.c_str(), &status) != 0) {
        throw std::system_error(errno, std::generic_category(), "data volume " + source.string());
    }
    if (S_ISDIR(status.st_mode)) {
        if (::mount(source.c_str(), mount_point.c_str(), nullptr, MS_BIND, nullptr) != 0) {
            throw std::system_error(errno, std::generic_category(),
                                    "cannot bind-mount data volume " + source.string() + " at " + mount_point.string());
        }
        return;
    }
    if (!S_ISBLK(status.st_mode)) {
        throw std::system_error(EINVAL, std::generic_category(),
                                "data volume " + source.string() + " is neither a block device nor a directory");
    }
    int last_error = 0;
    for (const char* type : {"ext4", "xfs", "btrfs"}) {
        if (::mount(source.c_str(), mount_point.c_str(), type, 0, nullptr) == 0) return;
        last_error = errno;
    }
    throw std::system_error(last_error, std::generic_category(),
                            "cannot mount data volume " + source.string() + " at " + mount_point.string());
}

}  // namespace bv::babel
