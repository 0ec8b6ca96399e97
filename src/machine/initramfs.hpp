#pragma once

// The initramfs bvd gives a VM: bv-node as /init (babelsup, see babel/vm_init.hpp) and the
// image's guest modules, as an uncompressed newc cpio archive (the kernel's initramfs format,
// Documentation/driver-api/early-userspace/buffer-format.rst). Uncompressed: decompressing
// under TCG costs more than reading a few MB more.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace bv::machine {

struct CpioEntry {
    std::string path;     // without a leading '/'
    std::uint32_t mode;   // type and permissions, e.g. S_IFREG | 0755
    std::string content;  // files only
};

// The archive, entries in order, with the trailer.
std::string cpio_archive(const std::vector<CpioEntry>& entries);

// Writes the initramfs of a VM node to `output`: `node_binary` as /init and every file of
// `modules_dir` (the image's vm/modules: the .ko files and `order`) in /lib/modules.
// Throws std::runtime_error naming a file that cannot be read or written.
void write_vm_initramfs(const std::filesystem::path& node_binary, const std::filesystem::path& modules_dir,
                        const std::filesystem::path& output);

// What the initramfs is made from: each input's path, size and modification time, one a line.
std::string vm_initramfs_inputs(const std::filesystem::path& node_binary, const std::filesystem::path& modules_dir);

// write_vm_initramfs unless `output` was made from the same inputs (recorded in
// `output`.inputs): at each VM start, so that the guest's babelsup is always bvd's bv-node,
// without writing ~10 MB again when nothing changed (most of bvd's share of a start).
void update_vm_initramfs(const std::filesystem::path& node_binary, const std::filesystem::path& modules_dir,
                         const std::filesystem::path& output);

}  // namespace bv::machine
