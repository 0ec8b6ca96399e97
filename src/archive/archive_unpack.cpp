// unpack_archive: an archive from the network into a directory, refusing what could reach out
// of it. Two layers: our checks of every entry (generic here, the kind's in ArchiveRules) and
// libarchive's own secure-extraction flags.

#include "archive/archive_unpack.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <set>
#include <system_error>
#include <thread>

namespace bv::archives {
namespace {

namespace fs = std::filesystem;

using ReaderPointer = std::unique_ptr<archive, decltype(&archive_read_free)>;
using WriterPointer = std::unique_ptr<archive, decltype(&archive_write_free)>;

std::string quoted(const std::string& text) {
    return "'" + text + "'";
}

std::string error_text(archive* handle) {
    const char* text = archive_error_string(handle);
    return text ? text : "unknown libarchive error";
}

const char* refused_type(mode_t type) {
    switch (type) {
        case AE_IFCHR:
            return "a character device";
        case AE_IFBLK:
            return "a block device";
        case AE_IFIFO:
            return "a FIFO";
        case AE_IFSOCK:
            return "a socket";
        default:
            return "of an unknown type";
    }
}

// Reads the archive and writes each entry it accepts relative to the working directory,
// which is the destination (see unpack_archive).
class Unpacker {
  public:
    Unpacker(const fs::path& archive, const ArchiveRules& rules, const UnpackLimits& limits)
        : reader_(archive_read_new(), archive_read_free),
          writer_(archive_write_disk_new(), archive_write_free),
          rules_(rules),
          limits_(limits) {
        if (!reader_ || !writer_) throw ArchiveError("cannot start unpacking: out of memory");
        archive_read_support_format_tar(reader_.get());
        archive_read_support_filter_gzip(reader_.get());
        archive_read_support_filter_zstd(reader_.get());
        int flags = ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                    ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;
        // Owners only as root (anyone else cannot give files away); by number, never through
        // the user database: no NSS in a static binary, and the node's users are not the host's.
        if (::geteuid() == 0) flags |= ARCHIVE_EXTRACT_OWNER;
        archive_write_disk_set_options(writer_.get(), flags);
        if (archive_read_open_filename(reader_.get(), archive.c_str(), 1 << 16) != ARCHIVE_OK) {
            throw ArchiveError("cannot read the archive " + archive.string() + ": " +
                               error_text(reader_.get()));
        }
    }

    UnpackedArchive run() {
        for (;;) {
            archive_entry* entry = nullptr;
            const int read = archive_read_next_header(reader_.get(), &entry);
            if (read == ARCHIVE_EOF) break;
            if (read < ARCHIVE_WARN)
                throw ArchiveError("a damaged archive: " + error_text(reader_.get()));
            if (++result_.entries > limits_.max_entries) {
                throw ArchiveError("more than " + std::to_string(limits_.max_entries) + " entries");
            }
            extract(entry);
        }
        if (archive_write_close(writer_.get()) < ARCHIVE_WARN) {
            throw ArchiveError("finishing the unpacked files: " + error_text(writer_.get()));
        }
        if (rules_.check_shape) rules_.check_shape();
        return result_;
    }

  private:
    void extract(archive_entry* entry) {
        const auto raw =
            std::string(archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "");
        const auto path = rules_.entry_path(raw);
        const auto named = "entry " + quoted(raw);
        const auto kind = check_kind(entry, path, named);
        if (path.empty()) return;  // "./", the destination itself
        check_not_through_symlink(path, named);
        check_duplicate(path, kind, named);
        check_size(entry, named);
        archive_entry_set_pathname(entry, path.c_str());
        const auto mode = archive_entry_perm(entry);
        if ((mode & (S_ISUID | S_ISGID)) != 0) {
            archive_entry_set_perm(entry, mode & ~(S_ISUID | S_ISGID));
            ++result_.setid_cleared;
        }
        if (archive_write_header(writer_.get(), entry) < ARCHIVE_WARN) {
            throw ArchiveError(named + ": " + error_text(writer_.get()));
        }
        if (archive_entry_size(entry) > 0) copy_data(archive_entry_size(entry), named);
        if (archive_write_finish_entry(writer_.get()) < ARCHIVE_WARN) {
            throw ArchiveError(named + ": " + error_text(writer_.get()));
        }
    }

    EntryKind check_kind(archive_entry* entry, const std::string& path, const std::string& named) {
        if (const char* link = archive_entry_hardlink(entry)) {
            rules_.check_entry(path, EntryKind::hard_link, named);
            if (!rules_.hard_link_prefix)
                throw ArchiveError(named + ": a hard link (a " + rules_.what + " holds none)");
            std::string target;
            try {
                target = rules_.entry_path(link);
            } catch (const ArchiveError& error) {
                throw ArchiveError(named + ": a hard link to a refused path: " + error.what());
            }
            if (!regular_files_.contains(target) || !target.starts_with(*rules_.hard_link_prefix)) {
                throw ArchiveError(named + ": a hard link to " + quoted(link) +
                                   ", not an earlier file of " + *rules_.hard_link_prefix);
            }
            archive_entry_set_hardlink(entry, target.c_str());
            regular_files_.insert(path);
            return EntryKind::file;
        }
        const auto type = archive_entry_filetype(entry);
        if (type == AE_IFDIR) {
            rules_.check_entry(path, EntryKind::directory, named);
            return EntryKind::directory;
        }
        if (type == AE_IFLNK) {
            rules_.check_entry(path, EntryKind::symlink, named);
            if (!rules_.check_symlink_target) {
                throw ArchiveError(named + ": a symbolic link (a " + rules_.what + " holds none)");
            }
            rules_.check_symlink_target(
                path, archive_entry_symlink(entry) ? archive_entry_symlink(entry) : "");
            symlinks_.insert(path);
            return EntryKind::symlink;
        }
        if (type != AE_IFREG) {
            rules_.check_entry(path, EntryKind::special, named);
            throw ArchiveError(named + ": " + refused_type(type) + rules_.special_files_reason);
        }
        rules_.check_entry(path, EntryKind::file, named);
        regular_files_.insert(path);
        return EntryKind::file;
    }

    // libarchive refuses it too (SECURE_SYMLINKS); checked here first for a clear message.
    void check_not_through_symlink(const std::string& path, const std::string& named) const {
        for (auto slash = path.find('/'); slash != std::string::npos;
             slash = path.find('/', slash + 1)) {
            if (symlinks_.contains(path.substr(0, slash))) {
                throw ArchiveError(named + ": below the symbolic link " +
                                   quoted(path.substr(0, slash)));
            }
        }
    }

    void check_duplicate(const std::string& path, EntryKind kind, const std::string& named) {
        const auto [earlier, inserted] = kinds_.try_emplace(path, kind);
        if (!inserted &&
            !(earlier->second == EntryKind::directory && kind == EntryKind::directory)) {
            throw ArchiveError(named + ": appears twice");
        }
    }

    void check_size(archive_entry* entry, const std::string& named) {
        const auto size = archive_entry_size(entry);
        if (size < 0) throw ArchiveError(named + ": a negative size");
        const auto bytes = static_cast<std::uint64_t>(size);
        if (bytes > limits_.max_entry_bytes) {
            throw ArchiveError(named + ": " + std::to_string(bytes) + " bytes, over the limit of " +
                               std::to_string(limits_.max_entry_bytes) + " for one file");
        }
        if (bytes > limits_.max_total_bytes - std::min(result_.bytes, limits_.max_total_bytes)) {
            throw ArchiveError(named + ": the " + rules_.what + " would unpack to more than " +
                               std::to_string(limits_.max_total_bytes) + " bytes");
        }
        result_.bytes += bytes;
    }

    // Block by block, each checked to lie within the size the header declared (and counted).
    void copy_data(la_int64_t declared, const std::string& named) {
        for (;;) {
            const void* block = nullptr;
            std::size_t size = 0;
            la_int64_t offset = 0;
            const int read = archive_read_data_block(reader_.get(), &block, &size, &offset);
            if (read == ARCHIVE_EOF) return;
            if (read < ARCHIVE_WARN) throw ArchiveError(named + ": " + error_text(reader_.get()));
            if (offset < 0 ||
                static_cast<std::uint64_t>(offset) + size > static_cast<std::uint64_t>(declared)) {
                throw ArchiveError(named + ": data beyond the size its header declares");
            }
            if (archive_write_data_block(writer_.get(), block, size, offset) < ARCHIVE_WARN) {
                throw ArchiveError(named + ": " + error_text(writer_.get()));
            }
        }
    }

    ReaderPointer reader_;
    WriterPointer writer_;
    const ArchiveRules& rules_;
    UnpackLimits limits_;
    UnpackedArchive result_;
    std::map<std::string, EntryKind> kinds_;
    std::set<std::string> regular_files_;
    std::set<std::string> symlinks_;
};

}  // namespace

UnpackedArchive unpack_archive(const fs::path& archive, const fs::path& destination,
                               const ArchiveRules& rules, const UnpackLimits& limits) {
    const auto source = fs::absolute(archive);
    std::error_code ec;
    if (!fs::create_directory(destination, ec) || ec) {
        throw ArchiveError("cannot unpack into " + destination.string() + ": " +
                           (ec ? ec.message() : std::string("it exists already")));
    }
    fs::permissions(destination, fs::perms(0755), ec);
    UnpackedArchive result;
    std::exception_ptr failure;
    // libarchive's secure flags refuse absolute paths, so entries are written relative to the
    // working directory: on a thread of its own that has its own (unshare(CLONE_FS)), not the
    // process's, which the daemon's other threads share.
    std::thread worker([&] {
        try {
            if (::unshare(CLONE_FS) != 0 || ::chdir(destination.c_str()) != 0) {
                throw std::system_error(errno, std::generic_category(),
                                        "entering " + destination.string());
            }
            result = Unpacker(source, rules, limits).run();
        } catch (...) {
            failure = std::current_exception();
        }
    });
    worker.join();
    if (failure) {
        fs::remove_all(destination, ec);
        try {
            std::rethrow_exception(failure);
        } catch (const ArchiveError& error) {
            throw ArchiveError(source.string() + ": " + error.what());
        }
    }
    return result;
}

}  // namespace bv::archives
