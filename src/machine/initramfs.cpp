#include "machine/initramfs.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "common/files.hpp"

namespace bv::machine {
namespace {

void pad_to_four(std::string& archive) { archive.append((4 - archive.size() % 4) % 4, '\0'); }

void append_entry(std::string& archive, std::uint32_t inode, const CpioEntry& entry) {
    const bool directory = S_ISDIR(entry.mode);
    const std::uint32_t fields[] = {inode,
                                    entry.mode,
                                    0,  // uid
                                    0,  // gid
                                    directory ? 2u : 1u,
                                    0,  // mtime
                                    static_cast<std::uint32_t>(entry.content.size()),
                                    0, 0, 0, 0,  // device numbers
                                    static_cast<std::uint32_t>(entry.path.size() + 1),
                                    0};  // checksum (unused by "070701")
    archive += "070701";
    char field[9];
    for (const auto value : fields) {
        std::snprintf(field, sizeof field, "%08x", value);
        archive += field;
    }
    archive += entry.path;
    archive += '\0';
    pad_to_four(archive);
    archive += entry.content;
    pad_to_four(archive);
}

}  // namespace

std::string cpio_archive(const std::vector<CpioEntry>& entries) {
    std::string archive;
    std::uint32_t inode = 1;
    for (const auto& entry : entries) append_entry(archive, inode++, entry);
    append_entry(archive, inode, {"TRAILER!!!", 0, ""});
    return archive;
}

void write_vm_initramfs(const std::filesystem::path& node_binary, const std::filesystem::path& modules_dir,
                        const std::filesystem::path& output) {
    std::vector<CpioEntry> entries{{"init", S_IFREG | 0755, read_file(node_binary)},
                                   {"lib", S_IFDIR | 0755, ""},
                                   {"lib/modules", S_IFDIR | 0755, ""}};
    std::error_code ec;
    for (const auto& file : std::filesystem::directory_iterator(modules_dir, ec)) {
        entries.push_back({"lib/modules/" + file.path().filename().string(), S_IFREG | 0644, read_file(file.path())});
    }
    if (ec) throw std::runtime_error("cannot read the guest modules in " + modules_dir.string() + ": " + ec.message());
    write_file_atomically(output, cpio_archive(entries), 0600);
}

std::string vm_initramfs_inputs(const std::filesystem::path& node_binary, const std::filesystem::path& modules_dir) {
    std::vector<std::filesystem::path> inputs{node_binary};
    std::error_code ec;
    for (const auto& file : std::filesystem::directory_iterator(modules_dir, ec)) inputs.push_back(file.path());
    std::sort(inputs.begin() + 1, inputs.end());
    std::string text;
    for (const auto& input : inputs) {
        struct stat status {};
        if (::stat(input.c_str(), &status) != 0) return "";  // unreadable: always write (and fail there)
        // The inode too: mtimes tick at the kernel's clock granularity (a few ms), so a binary
        // replaced by rename within one tick by one of the same size keeps size and mtime.
        text += input.string() + " " + std::to_string(status.st_ino) + " " + std::to_string(status.st_size) + " " +
                std::to_string(status.st_mtim.tv_sec) + "." + std::to_string(status.st_mtim.tv_nsec) + "\n";
    }
    return text;
}

void update_vm_initramfs(const std::filesystem::path& node_binary, const std::filesystem::path& modules_dir,
                         const std::filesystem::path& output) {
    const auto inputs = vm_initramfs_inputs(node_binary, modules_dir);
    auto stamp = output;
    stamp += ".inputs";
    std::error_code ec;
    if (!inputs.empty() && std::filesystem::exists(output, ec) && std::filesystem::exists(stamp, ec) && read_file(stamp) == inputs) {
        return;
    }
    std::filesystem::remove(stamp, ec);
    write_vm_initramfs(node_binary, modules_dir, output);
    if (!inputs.empty()) write_file_atomically(stamp, inputs, 0600);
}

}  // namespace bv::machine
