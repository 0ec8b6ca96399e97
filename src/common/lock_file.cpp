#include "common/lock_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

namespace bv {

std::optional<LockFile> LockFile::try_acquire(const std::filesystem::path& path, std::string* holder) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot open lock file " + path.string());
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        if (holder != nullptr) {
            char buffer[64] = {};
            const auto read = ::pread(fd, buffer, sizeof buffer - 1, 0);
            *holder = read > 0 ? std::string(buffer, static_cast<std::size_t>(read)) : "";
            while (!holder->empty() && (holder->back() == '\n' || holder->back() == ' ')) holder->pop_back();
        }
        ::close(fd);
        if (error == EWOULDBLOCK) return std::nullopt;
        throw std::system_error(error, std::generic_category(), "cannot lock " + path.string());
    }
    const auto pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
        const int error = errno;
        ::close(fd);
        throw std::system_error(error, std::generic_category(), "cannot write lock file " + path.string());
    }
    return LockFile(fd);
}

LockFile::~LockFile() {
    if (fd_ >= 0) ::close(fd_);
}

LockFile::LockFile(LockFile&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

LockFile& LockFile::operator=(LockFile&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

}  // namespace bv
