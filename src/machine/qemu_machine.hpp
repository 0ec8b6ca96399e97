#pragma once

#include "common/child_processes.hpp"
#include "machine/machine.hpp"

namespace bv::machine {

// Nodes as QEMU microvms (docs/vm.md): the image's vmlinux and os.img, the node's data.img,
// babelsup as init from an initramfs bvd writes at each start, and the node channel over a
// private point-to-point virtio-net link.
class QemuBackend : public MachineBackend {
public:
    QemuBackend(ChildProcesses& children, std::string qemu_binary)
        : children_(children), qemu_binary_(std::move(qemu_binary)) {}
    std::unique_ptr<Machine> make(const MachineSpec& spec) override;
    BackendKind kind() const override { return BackendKind::qemu; }
    void check_node(const MachineSpec& spec) const override;
    asio::awaitable<void> prepare_node(const MachineSpec& spec, std::filesystem::path node_dir) override;

private:
    ChildProcesses& children_;
    std::string qemu_binary_;
};

}  // namespace bv::machine
