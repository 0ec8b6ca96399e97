#pragma once

// What both VM backends need of an image and of a node's directory.

#include <boost/asio/awaitable.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "babel/vm_init.hpp"
#include "common/child_processes.hpp"
#include "machine/machine.hpp"

namespace bv::machine {

// Throws std::invalid_argument when the image's kernel is missing or no ELF file, its os.img
// is missing or no ext4 image, or it has no guest modules: each says to rebuild the image
// with scripts/build-image --vm.
void check_vm_image(const MachineSpec& spec);

// What a VM node needs at create, whatever runs it: its VMM `binary` (`vmm` names it; the
// error says `how_to_get_it` when it is not found), a bootable image (check_vm_image), and on
// the bridge a MAC, made from its IP. Throws std::invalid_argument saying which is missing.
void check_vm_node(const MachineSpec& spec, std::string_view vmm, const std::string& binary,
                   std::string_view how_to_get_it);

// `name` when it has a '/', else where PATH has it; empty when nowhere.
std::filesystem::path find_program(const std::string& name);

// The node's data.img in `node_dir`: spec.vm.data_disk_bytes reserved with fallocate (no
// blocks written: sparse until used), then an ext4 file system made with mkfs.ext4 -d holding
// babel's state directory (node_dir/state: the preinstalled babel) and an empty data/.
asio::awaitable<void> make_data_disk(ChildProcesses& children, const MachineSpec& spec, std::filesystem::path node_dir);

// At every start: the node's data.img must be an ext4 file system (else a std::runtime_error
// says so, and that the node's data is on it). One smaller than spec.vm.data_disk_bytes (the
// node was upgraded to an image that wants more) is grown in place: reserved to the new size,
// checked (e2fsck: the guest powers off without unmounting) and resized (resize2fs).
asio::awaitable<void> fit_data_disk(ChildProcesses& children, const MachineSpec& spec);

// The files of a VM start, whatever runs it.
struct VmStartFiles {
    std::vector<std::filesystem::path> stale;  // left by the VMM's last run
    std::filesystem::path console_log, initramfs;
};

// At every start, before the VMM: the stale files removed, the console log rotated once it
// passed kConsoleLogLimit, the initramfs made again (from bvd's own bv-node: the guest's
// babelsup is always bvd's), and the data disk fitted (fit_data_disk).
asio::awaitable<void> prepare_vm_start(ChildProcesses& children, const MachineSpec& spec, VmStartFiles files);

// What the VM backends share at create: check_vm_node for their VMM, and the data disk.
class VmBackend : public MachineBackend {
public:
    void check_node(const MachineSpec& spec) const override { check_vm_node(spec, vmm_, binary_, how_to_get_it_); }
    asio::awaitable<void> prepare_node(const MachineSpec& spec, std::filesystem::path node_dir) override {
        co_await make_data_disk(children_, spec, std::move(node_dir));
    }

protected:
    // `vmm` names the VMM, `binary` is where to find it, `how_to_get_it` what to do without it.
    VmBackend(ChildProcesses& children, std::string vmm, std::string binary, std::string how_to_get_it)
        : children_(children), binary_(std::move(binary)), vmm_(std::move(vmm)), how_to_get_it_(std::move(how_to_get_it)) {}

    ChildProcesses& children_;
    std::string binary_;

private:
    std::string vmm_;
    std::string how_to_get_it_;
};

}  // namespace bv::machine
