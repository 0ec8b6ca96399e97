#include "machine/vm_disks.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "common/files.hpp"
#include "common/log.hpp"
#include "common/worker_pool.hpp"
#include "machine/bridge_network.hpp"
#include "machine/initramfs.hpp"

namespace bv::machine {
namespace {

namespace fs = std::filesystem;

std::string read_bytes(const fs::path& file, std::streamoff offset, std::size_t size) {
    std::ifstream stream(file, std::ios::binary);
    stream.seekg(offset);
    std::string bytes(size, '\0');
    stream.read(bytes.data(), static_cast<std::streamsize>(size));
    return stream.gcount() == static_cast<std::streamsize>(size) ? bytes : std::string();
}

bool is_ext4(const std::string& superblock_magic) { return superblock_magic == "\x53\xef"; }

// What the ext4 superblock (at byte 1024) says the file system's size is: its block count
// (low 32 bits at 4, high at 0x150 with the 64bit feature, 0x80 of the incompatible features
// at 0x60) times its block size (1024 << the value at 24). 0 when it is no ext4 file system.
std::uint64_t ext4_bytes(const fs::path& disk) {
    const auto superblock = read_bytes(disk, 1024, 1024);
    if (superblock.size() != 1024 || !is_ext4(superblock.substr(56, 2))) return 0;
    const auto u32 = [&](std::size_t offset) {
        std::uint32_t value = 0;
        for (int byte = 3; byte >= 0; --byte) value = (value << 8) | static_cast<unsigned char>(superblock[offset + byte]);
        return std::uint64_t{value};
    };
    const bool wide = (u32(0x60) & 0x80) != 0;
    const auto blocks = u32(0x04) | (wide ? u32(0x150) << 32 : 0);
    return blocks * (std::uint64_t{1024} << u32(0x18));
}

// posix_fallocate of `bytes` (nothing written: sparse until used) from a worker.
asio::awaitable<void> reserve(const fs::path& disk, std::uint64_t bytes, int open_flags) {
    co_await run_in_worker([&] {
        const int fd = ::open(disk.c_str(), O_RDWR | O_CLOEXEC | open_flags, 0600);
        if (fd < 0) throw std::system_error(errno, std::generic_category(), "opening " + disk.string());
        const int reserved = ::posix_fallocate(fd, 0, static_cast<off_t>(bytes));
        ::close(fd);
        if (reserved != 0) {
            throw std::system_error(reserved, std::generic_category(),
                                    "reserving " + std::to_string(bytes >> 20) + " MB for " + disk.string());
        }
    }, Work::bulk);
}

std::string rebuild_hint(const MachineSpec& spec) {
    return " (build the image with 'scripts/build-image --vm' and import it again; image rootfs " +
           spec.image_rootfs.string() + ")";
}

}  // namespace

void check_vm_image(const MachineSpec& spec) {
    if (!fs::exists(spec.vm.kernel)) throw std::invalid_argument("the image has no VM kernel " + spec.vm.kernel.string() + rebuild_hint(spec));
    if (read_bytes(spec.vm.kernel, 0, 4) != "\x7f" "ELF") {
        throw std::invalid_argument("the image's VM kernel " + spec.vm.kernel.string() +
                                    " is no uncompressed ELF vmlinux" + rebuild_hint(spec));
    }
    if (!fs::exists(spec.vm.os_image)) throw std::invalid_argument("the image has no os.img " + spec.vm.os_image.string() + rebuild_hint(spec));
    // The ext4 superblock starts at byte 1024; its magic 0xEF53 (little endian) at offset 56.
    if (!is_ext4(read_bytes(spec.vm.os_image, 1024 + 56, 2))) {
        throw std::invalid_argument("the image's os.img " + spec.vm.os_image.string() + " is no ext4 file system (corrupt?)" +
                                    rebuild_hint(spec));
    }
    if (!fs::exists(spec.vm.kernel.parent_path() / "modules/order")) {
        throw std::invalid_argument("the image has no guest modules in " + (spec.vm.kernel.parent_path() / "modules").string() +
                                    rebuild_hint(spec));
    }
}

void check_vm_node(const MachineSpec& spec, std::string_view vmm, const std::string& binary,
                   std::string_view how_to_get_it) {
    if (find_program(binary).empty()) {
        throw std::invalid_argument(std::string(vmm) + " ('" + binary + "') is not installed on this host: " +
                                    std::string(how_to_get_it));
    }
    check_vm_image(spec);
    if (spec.network == NetworkMode::bridge && spec.vm.mac.empty()) {
        throw std::invalid_argument("a VM node on the bridge needs an IPv4 --ip (its MAC is made from it)");
    }
}

fs::path find_program(const std::string& name) {
    if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? fs::path(name) : fs::path();
    const char* path = std::getenv("PATH");
    std::istringstream directories(path ? path : "/usr/local/bin:/usr/bin:/bin");
    std::string directory;
    while (std::getline(directories, directory, ':')) {
        const auto candidate = fs::path(directory) / name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return {};
}

asio::awaitable<void> make_data_disk(ChildProcesses& children, const MachineSpec& spec, fs::path node_dir) {
    const auto content = node_dir / ".data-disk";
    const auto disk = node_dir / "data.img";
    co_await run_in_worker([&] {
        fs::create_directories(content / "data");
        fs::copy(node_dir / "state", content / "babel", fs::copy_options::recursive);
    });
    co_await reserve(disk, spec.vm.data_disk_bytes, O_CREAT | O_TRUNC);
    co_await must_run(children, {"mkfs.ext4", "-q", "-F", "-L", babel::kDataDiskLabel, "-E", "root_owner=0:0", "-d", content.string(),
                                 disk.string()});
    co_await run_in_worker([&] { fs::remove_all(content); });
}

asio::awaitable<void> fit_data_disk(ChildProcesses& children, const MachineSpec& spec) {
    const auto& disk = spec.vm.data_image;
    const auto keep = " (it holds the chain's data and babel's state: restore it from a backup, or delete the node)";
    struct Sizes {
        std::uint64_t file, file_system;
    };
    const auto sizes = co_await run_in_worker([&] {
        std::error_code error;
        const auto file = fs::file_size(disk, error);
        if (error) throw std::runtime_error("cannot read the node's data disk " + disk.string() + ": " + error.message() + keep);
        const auto file_system = ext4_bytes(disk);
        if (file_system == 0) throw std::runtime_error("the node's data disk " + disk.string() + " is no ext4 file system (corrupt?)" + keep);
        return Sizes{file, file_system};
    });
    // By the file system's size, not the file's: a grow cut short after the fallocate is
    // finished at the next start.
    if (sizes.file_system >= spec.vm.data_disk_bytes) co_return;
    log::info("node {}: growing its data disk from {} to {} MB (its image wants more)", spec.hostname, sizes.file_system >> 20,
              spec.vm.data_disk_bytes >> 20);
    if (sizes.file < spec.vm.data_disk_bytes) co_await reserve(disk, spec.vm.data_disk_bytes, 0);
    // resize2fs wants a checked file system; the guest powers off without unmounting, so its
    // journal is replayed here first. -p: what is safe to fix is fixed (exit 1); anything else
    // stops the start with e2fsck's report instead of "fixing" the chain's data unasked.
    co_await must_run(children, {"e2fsck", "-f", "-p", disk.string()}, std::chrono::minutes(10), 1);
    co_await must_run(children, {"resize2fs", disk.string()}, std::chrono::minutes(10));
}

asio::awaitable<void> prepare_vm_start(ChildProcesses& children, const MachineSpec& spec, VmStartFiles files) {
    co_await run_in_worker([&] {
        for (const auto& stale : files.stale) fs::remove(stale);
        rotate_log_if_larger(files.console_log, kConsoleLogLimit);
        update_vm_initramfs(spec.babelsup_binary, spec.vm.kernel.parent_path() / "modules", files.initramfs);
    });
    co_await fit_data_disk(children, spec);
}

}  // namespace bv::machine
