#include "machine/vm_disks.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "common/log.hpp"
#include "common/worker_pool.hpp"
#include "machine/bridge_network.hpp"

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

constexpr bool is_ext4(const std::string& superblock_magic) { return superblock_magic == "\x53\xef"; }

// e2fsck and resize2fs on a large disk take longer than must_run's 10 s.
asio::awaitable<void> run_disk_tool(ChildProcesses& children, std::vector<std::string> argv, int highest_success) {
    std::string command;
    for (const auto& argument : argv) command += (command.empty() ? "" : " ") + argument;
    SpawnOptions options;
    options.argv = std::move(argv);
    options.environment = current_environment();
    const auto result = co_await run_command(children, std::move(options), std::chrono::minutes(10), 4096);
    if (result.timed_out || result.status->signal != 0 || result.status->code > highest_success) {
        throw std::runtime_error("'" + command + "' " + (result.timed_out ? "did not finish in 10 minutes" : result.status->describe()) +
                                 ": " + result.out + result.err);
    }
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
        const int fd = ::open(disk.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) throw std::system_error(errno, std::generic_category(), "creating " + disk.string());
        const int reserved = ::posix_fallocate(fd, 0, static_cast<off_t>(spec.vm.data_disk_bytes));
        ::close(fd);
        if (reserved != 0) {
            throw std::system_error(reserved, std::generic_category(),
                                    "reserving " + std::to_string(spec.vm.data_disk_bytes >> 20) + " MB for " + disk.string());
        }
    });
    co_await must_run(children, {"mkfs.ext4", "-q", "-F", "-L", babel::kDataDiskLabel, "-E", "root_owner=0:0", "-d", content.string(),
                                 disk.string()});
    co_await run_in_worker([&] { fs::remove_all(content); });
}

asio::awaitable<void> fit_data_disk(ChildProcesses& children, const MachineSpec& spec) {
    const auto& disk = spec.vm.data_image;
    const auto keep = " (it holds the chain's data and babel's state: restore it from a backup, or delete the node)";
    const auto size = co_await run_in_worker([&] {
        std::error_code error;
        const auto found = fs::file_size(disk, error);
        if (error) throw std::runtime_error("the node's data disk " + disk.string() + " is missing: " + error.message() + keep);
        if (!is_ext4(read_bytes(disk, 1024 + 56, 2))) {
            throw std::runtime_error("the node's data disk " + disk.string() + " is no ext4 file system (corrupt?)" + keep);
        }
        return found;
    });
    if (size >= spec.vm.data_disk_bytes) co_return;
    log::info("node {}: growing its data disk from {} to {} MB (its image wants more)", spec.hostname, size >> 20,
              spec.vm.data_disk_bytes >> 20);
    co_await run_in_worker([&] {
        const int fd = ::open(disk.c_str(), O_RDWR | O_CLOEXEC);
        if (fd < 0) throw std::system_error(errno, std::generic_category(), "opening " + disk.string());
        const int reserved = ::posix_fallocate(fd, 0, static_cast<off_t>(spec.vm.data_disk_bytes));
        ::close(fd);
        if (reserved != 0) {
            throw std::system_error(reserved, std::generic_category(),
                                    "growing " + disk.string() + " to " + std::to_string(spec.vm.data_disk_bytes >> 20) + " MB");
        }
    }, Work::bulk);
    // resize2fs wants a checked file system; the guest powers off without unmounting, so its
    // journal is replayed here first (e2fsck's 1: errors corrected).
    co_await run_disk_tool(children, {"e2fsck", "-fy", disk.string()}, 1);
    co_await run_disk_tool(children, {"resize2fs", disk.string()}, 0);
}

}  // namespace bv::machine
