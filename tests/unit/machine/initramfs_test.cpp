#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "common/files.hpp"
#include "machine/initramfs.hpp"
#include "support/process.hpp"

namespace bv::machine {
namespace {

namespace fs = std::filesystem;

ino_t inode_of(const fs::path& path) {
    struct stat status {};
    return ::stat(path.c_str(), &status) == 0 ? status.st_ino : 0;
}

TEST(VmInitramfs, IsWrittenAgainOnlyWhenBvNodeOrAModuleChanged) {
    test::TempDir dir("bv-initramfs");
    const auto binary = dir.path() / "bv-node", modules = dir.path() / "modules", output = dir.path() / "initramfs.img";
    fs::create_directories(modules);
    write_file_atomically(binary, "node v1");
    write_file_atomically(modules / "order", "virtio.ko\n");
    write_file_atomically(modules / "virtio.ko", "module");

    update_vm_initramfs(binary, modules, output);
    const auto first = inode_of(output);
    ASSERT_NE(first, 0u);
    EXPECT_NE(read_file(output).find("node v1"), std::string::npos);
    update_vm_initramfs(binary, modules, output);
    EXPECT_EQ(inode_of(output), first) << "written again with nothing changed";

    write_file_atomically(binary, "node v2");  // bvd upgraded: the guest gets the new babelsup
    update_vm_initramfs(binary, modules, output);
    EXPECT_NE(read_file(output).find("node v2"), std::string::npos);
    const auto second = inode_of(output);
    write_file_atomically(modules / "virtio_net.ko", "another module");
    update_vm_initramfs(binary, modules, output);
    EXPECT_NE(inode_of(output), second);
    EXPECT_NE(read_file(output).find("another module"), std::string::npos);

    fs::remove(output);  // gone (or never finished): written whatever the stamp says
    update_vm_initramfs(binary, modules, output);
    EXPECT_TRUE(fs::exists(output));
}

}  // namespace
}  // namespace bv::machine
