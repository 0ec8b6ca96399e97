#pragma once

// Tar archives written entry by entry, for tests of what an image archive may hold: with
// libarchive's writer, which writes whatever it is given (absolute paths, "..", devices).

#include <filesystem>
#include <string>
#include <vector>

namespace bv::test {

struct ArchiveEntrySpec {
    enum class Type { file, directory, symlink, hardlink, character_device, block_device, fifo };
    std::string path;
    Type type = Type::file;
    unsigned mode = 0644;
    std::string content;  // of a file
    std::string target;   // of a symbolic or hard link
};

ArchiveEntrySpec file_entry(std::string path, std::string content, unsigned mode = 0644);
ArchiveEntrySpec directory_entry(std::string path, unsigned mode = 0755);
ArchiveEntrySpec symlink_entry(std::string path, std::string target);
ArchiveEntrySpec hardlink_entry(std::string path, std::string target);

// A gzip-compressed tar of `entries`, in order.
void write_test_archive(const std::filesystem::path& file,
                        const std::vector<ArchiveEntrySpec>& entries);

// babel.toml (with `babel_toml` as its content) and an empty rootfs/: the smallest image,
// to which a test adds its own entries.
std::vector<ArchiveEntrySpec> minimal_image_entries(const std::string& babel_toml = "[config]\n");

}  // namespace bv::test
