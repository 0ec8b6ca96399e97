#include "support/test_archives.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <memory>
#include <stdexcept>

namespace bv::test {
namespace {

mode_t filetype(ArchiveEntrySpec::Type type) {
    using Type = ArchiveEntrySpec::Type;
    switch (type) {
        case Type::file:
        case Type::hardlink:
            return AE_IFREG;
        case Type::directory:
            return AE_IFDIR;
        case Type::symlink:
            return AE_IFLNK;
        case Type::character_device:
            return AE_IFCHR;
        case Type::block_device:
            return AE_IFBLK;
        case Type::fifo:
            return AE_IFIFO;
    }
    return AE_IFREG;
}

}  // namespace

ArchiveEntrySpec file_entry(std::string path, std::string content, unsigned mode) {
    return {std::move(path), ArchiveEntrySpec::Type::file, mode, std::move(content), {}};
}

ArchiveEntrySpec directory_entry(std::string path, unsigned mode) {
    return {std::move(path), ArchiveEntrySpec::Type::directory, mode, {}, {}};
}

ArchiveEntrySpec symlink_entry(std::string path, std::string target) {
    return {std::move(path), ArchiveEntrySpec::Type::symlink, 0777, {}, std::move(target)};
}

ArchiveEntrySpec hardlink_entry(std::string path, std::string target) {
    return {std::move(path), ArchiveEntrySpec::Type::hardlink, 0644, {}, std::move(target)};
}

void write_test_archive(const std::filesystem::path& file,
                        const std::vector<ArchiveEntrySpec>& entries) {
    std::unique_ptr<archive, decltype(&archive_write_free)> writer(archive_write_new(),
                                                                   archive_write_free);
    archive_write_set_format_pax_restricted(writer.get());
    archive_write_add_filter_gzip(writer.get());
    if (archive_write_open_filename(writer.get(), file.c_str()) != ARCHIVE_OK) {
        throw std::runtime_error("cannot create " + file.string() + ": " +
                                 archive_error_string(writer.get()));
    }
    for (const auto& spec : entries) {
        std::unique_ptr<archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(),
                                                                            archive_entry_free);
        archive_entry_set_pathname(entry.get(), spec.path.c_str());
        archive_entry_set_filetype(entry.get(), filetype(spec.type));
        archive_entry_set_perm(entry.get(), spec.mode);
        archive_entry_set_mtime(entry.get(), 1700000000, 0);
        if (spec.type == ArchiveEntrySpec::Type::symlink)
            archive_entry_set_symlink(entry.get(), spec.target.c_str());
        if (spec.type == ArchiveEntrySpec::Type::hardlink)
            archive_entry_set_hardlink(entry.get(), spec.target.c_str());
        if (spec.type == ArchiveEntrySpec::Type::character_device ||
            spec.type == ArchiveEntrySpec::Type::block_device) {
            archive_entry_set_rdev(entry.get(), makedev(1, 3));
        }
        if (spec.type == ArchiveEntrySpec::Type::file)
            archive_entry_set_size(entry.get(), static_cast<la_int64_t>(spec.content.size()));
        if (archive_write_header(writer.get(), entry.get()) < ARCHIVE_WARN) {
            throw std::runtime_error("cannot add " + spec.path + ": " +
                                     archive_error_string(writer.get()));
        }
        if (!spec.content.empty())
            archive_write_data(writer.get(), spec.content.data(), spec.content.size());
    }
    archive_write_close(writer.get());
}

std::vector<ArchiveEntrySpec> minimal_image_entries(const std::string& babel_toml) {
    return {file_entry("babel.toml", babel_toml), directory_entry("rootfs")};
}

}  // namespace bv::test
