// pack_image_archive: an image directory into a tar archive, the same bytes for the same tree.

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <system_error>
#include <utility>
#include <vector>

#include "common/sha256.hpp"
#include "host/image_archive.hpp"

namespace bv::host {
namespace {

namespace fs = std::filesystem;

using ArchivePointer = std::unique_ptr<archive, decltype(&archive_write_free)>;
using EntryPointer = std::unique_ptr<archive_entry, decltype(&archive_entry_free)>;

std::string errno_text() {
    return std::strerror(errno);
}

class Packer {
public:
    Packer(const fs::path& output, ArchiveCompression compression)
        : writer_(archive_write_new(), archive_write_free) {
        if (!writer_) throw ArchiveError("cannot start an archive: out of memory");
        // pax only where ustar cannot say it (long names, large ids); no atime or ctime.
        check(archive_write_set_format_pax_restricted(writer_.get()), "choosing the tar format");
        if (compression == ArchiveCompression::gzip) {
            check(archive_write_add_filter_gzip(writer_.get()), "choosing gzip");
            // No time stamp in the gzip header: the same tree gives the same bytes.
            check(archive_write_set_filter_option(writer_.get(), "gzip", "timestamp", nullptr),
                  "setting gzip options");
        } else {
            check(archive_write_add_filter_zstd(writer_.get()), "choosing zstd");
        }
        check(archive_write_open_filename(writer_.get(), output.c_str()),
              "creating " + output.string());
    }

    void add_tree(const fs::path& source, const std::string& path) {
        struct stat status {};
        if (::lstat(source.c_str(), &status) != 0)
            throw ArchiveError("cannot read " + source.string() + ": " + errno_text());
        add(source, path, status);
        if (!S_ISDIR(status.st_mode)) return;
        std::vector<std::string> names;
        for (const auto& child : fs::directory_iterator(source))
            names.push_back(child.path().filename().string());
        std::ranges::sort(names);
        for (const auto& name : names) add_tree(source / name, path + "/" + name);
    }

    void add_file(const fs::path& source, const std::string& path) {
        struct stat status {};
        if (::lstat(source.c_str(), &status) != 0)
            throw ArchiveError("cannot read " + source.string() + ": " + errno_text());
        if (!S_ISREG(status.st_mode))
            throw ArchiveError(source.string() + " is not a regular file");
        add(source, path, status);
    }

    void close() { check(archive_write_close(writer_.get()), "finishing the archive"); }

private:
    void add(const fs::path& source, const std::string& path, const struct stat& status) {
        EntryPointer entry(archive_entry_new(), archive_entry_free);
        archive_entry_set_pathname(entry.get(), path.c_str());
        archive_entry_set_perm(entry.get(), status.st_mode & 07777);
        archive_entry_set_uid(entry.get(), status.st_uid);
        archive_entry_set_gid(entry.get(), status.st_gid);
        archive_entry_set_mtime(entry.get(), status.st_mtime, 0);
        bool with_data = false;
        if (S_ISDIR(status.st_mode)) {
            archive_entry_set_filetype(entry.get(), AE_IFDIR);
        } else if (S_ISLNK(status.st_mode)) {
            archive_entry_set_filetype(entry.get(), AE_IFLNK);
            const auto target = relative_symlink_target(path, read_link(source));
            check_symlink_target(path, target);
            archive_entry_set_symlink(entry.get(), target.c_str());
        } else if (S_ISREG(status.st_mode)) {
            archive_entry_set_filetype(entry.get(), AE_IFREG);
            const auto first =
                status.st_nlink > 1
                    ? first_paths_.try_emplace({status.st_dev, status.st_ino}, path).first
                    : first_paths_.end();
            if (first != first_paths_.end() && first->second != path) {
                archive_entry_set_hardlink(entry.get(), first->second.c_str());
            } else {
                archive_entry_set_size(entry.get(), status.st_size);
                with_data = true;
            }
        } else {
            throw ArchiveError(source.string() +
                               " is a device, FIFO or socket: images cannot hold one (bvd mounts "
                               "/dev in every node)");
        }
        check(archive_write_header(writer_.get(), entry.get()), "adding " + path);
        if (with_data) copy_data(source, path);
    }

    void copy_data(const fs::path& source, const std::string& path) {
        const int fd = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) throw ArchiveError("cannot read " + source.string() + ": " + errno_text());
        std::vector<char> buffer(1 << 20);
        for (;;) {
            const auto got = ::read(fd, buffer.data(), buffer.size());
            if (got < 0 && errno == EINTR) continue;
            if (got < 0) {
                const auto error = errno_text();
                ::close(fd);
                throw ArchiveError("cannot read " + source.string() + ": " + error);
            }
            if (got == 0) break;
            if (archive_write_data(writer_.get(), buffer.data(), static_cast<std::size_t>(got)) !=
                got) {
                ::close(fd);
                throw ArchiveError("adding " + path + ": " + error_text());
            }
        }
        ::close(fd);
    }

    static std::string read_link(const fs::path& source) {
        std::error_code ec;
        auto target = fs::read_symlink(source, ec);
        if (ec) throw ArchiveError("cannot read the link " + source.string() + ": " + ec.message());
        return target.string();
    }

    std::string error_text() const {
        const char* text = archive_error_string(writer_.get());
        return text ? text : "unknown libarchive error";
    }

    void check(int result, const std::string& what) const {
        if (result < ARCHIVE_WARN) throw ArchiveError(what + ": " + error_text());
    }

    ArchivePointer writer_;
    // The first path of each file with more than one name: the others become hard links.
    std::map<std::pair<dev_t, ino_t>, std::string> first_paths_;
};

}  // namespace

PackedArchive pack_image_archive(const fs::path& image_dir, const fs::path& archive,
                                 ArchiveCompression compression) {
    if (!fs::is_directory(image_dir / "rootfs")) {
        throw ArchiveError(image_dir.string() + " is not an image: it has no rootfs/ directory");
    }
    const auto partial = fs::path(archive.string() + ".partial");
    try {
        Packer packer(partial, compression);
        packer.add_file(image_dir / "babel.toml", "babel.toml");
        packer.add_tree(image_dir / "rootfs", "rootfs");
        packer.close();
        fs::rename(partial, archive);
    } catch (...) {
        std::error_code ignored;
        fs::remove(partial, ignored);
        try {
            throw;
        } catch (const fs::filesystem_error& error) {
            throw ArchiveError(std::string("packing ") + image_dir.string() + ": " + error.what());
        }
    }
    return {fs::file_size(archive), sha256_file(archive)};
}

}  // namespace bv::host
