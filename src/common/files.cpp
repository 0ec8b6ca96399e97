#include "common/files.hpp"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

namespace bv {
namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
    throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}

class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }

private:
    int fd_;
};

void write_all(int fd, std::string_view content, const std::filesystem::path& path) {
    while (!content.empty()) {
        const auto written = ::write(fd, content.data(), content.size());
        if (written < 0) {
            if (errno == EINTR) continue;
            fail("cannot write", path);
        }
        content.remove_prefix(static_cast<std::size_t>(written));
    }
}

}  // namespace

void sync_directory(const std::filesystem::path& directory) {
    FileDescriptor fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) fail("cannot open directory", directory);
    if (::fsync(fd.get()) != 0) fail("cannot sync directory", directory);
}

void sync_file(const std::filesystem::path& file) {
    FileDescriptor fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) fail("cannot open", file);
    if (::fsync(fd.get()) != 0) fail("cannot sync", file);
}

void write_file_atomically(const std::filesystem::path& path, std::string_view content, mode_t mode,
                           Durability durability) {
    const auto directory = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    auto temporary_template = (directory / ("." + path.filename().string() + ".XXXXXX")).string();
    FileDescriptor fd(::mkstemp(temporary_template.data()));
    if (fd.get() < 0) fail("cannot create a temporary file for", path);
    const std::filesystem::path temporary = temporary_template;
    try {
        if (::fchmod(fd.get(), mode) != 0) fail("cannot set the mode of", temporary);
        write_all(fd.get(), content, temporary);
        if (durability != Durability::cache && ::fsync(fd.get()) != 0) fail("cannot sync", temporary);
        if (::close(fd.release()) != 0) fail("cannot close", temporary);
        if (::rename(temporary.c_str(), path.c_str()) != 0) fail("cannot rename a temporary file to", path);
    } catch (...) {
        ::unlink(temporary.c_str());
        throw;
    }
    if (durability == Durability::survives_power_loss) sync_directory(directory);
}

void copy_file_exactly(const std::filesystem::path& from, const std::filesystem::path& to) {
    FileDescriptor source(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
    if (source.get() < 0) fail("cannot open", from);
    struct stat status {};
    if (::fstat(source.get(), &status) != 0) fail("cannot read the status of", from);
    FileDescriptor target(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, status.st_mode & 07777));
    if (target.get() < 0) fail("cannot create", to);
    try {
        for (;;) {
            // sendfile works between any two file systems (copy_file_range does not, on
            // some kernels); a short count is not an error, the next call says what stopped it.
            const auto copied = ::sendfile(target.get(), source.get(), nullptr, 1 << 30);
            if (copied < 0) {
                if (errno == EINTR) continue;
                fail("cannot copy " + from.string() + " to", to);
            }
            if (copied == 0) break;
        }
    } catch (...) {
        ::unlink(to.c_str());
        throw;
    }
}

void copy_tree_exactly(const std::filesystem::path& from, const std::filesystem::path& to) {
    namespace fs = std::filesystem;
    const auto status = fs::symlink_status(from);
    if (fs::is_symlink(status)) {
        fs::create_symlink(fs::read_symlink(from), to);
    } else if (fs::is_regular_file(status)) {
        copy_file_exactly(from, to);
    } else if (fs::is_directory(status)) {
        if (::mkdir(to.c_str(), 0700) != 0) fail("cannot create directory", to);
        for (const auto& entry : fs::directory_iterator(from)) copy_tree_exactly(entry.path(), to / entry.path().filename());
        fs::permissions(to, status.permissions());
    } else {
        errno = ENOTSUP;
        fail("cannot copy (neither a file, a directory nor a symbolic link)", from);
    }
}

void rotate_log_if_larger(const std::filesystem::path& log, std::uintmax_t limit) {
    struct stat status {};
    if (::stat(log.c_str(), &status) != 0) {
        if (errno == ENOENT) return;
        fail("cannot read the status of", log);
    }
    if (static_cast<std::uintmax_t>(status.st_size) <= limit) return;
    auto older = log;
    older += ".1";
    if (::rename(log.c_str(), older.c_str()) != 0) fail("cannot rotate", log);
}

std::optional<std::string> read_file_if_exists(const std::filesystem::path& path) {
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        if (errno == ENOENT) return std::nullopt;
        fail("cannot open", path);
    }
    std::string content;
    char buffer[64 * 1024];
    for (;;) {
        const auto read = ::read(fd.get(), buffer, sizeof buffer);
        if (read < 0) {
            if (errno == EINTR) continue;
            fail("cannot read", path);
        }
        if (read == 0) break;
        content.append(buffer, static_cast<std::size_t>(read));
    }
    return content;
}

std::string read_file(const std::filesystem::path& path) {
    auto content = read_file_if_exists(path);
    if (!content) {
        errno = ENOENT;
        fail("cannot open", path);
    }
    return std::move(*content);
}

}  // namespace bv
