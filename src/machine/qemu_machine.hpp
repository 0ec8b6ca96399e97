#pragma once

#include "common/child_processes.hpp"
#include "machine/machine.hpp"
#include "machine/vm_disks.hpp"

namespace bv::machine {

// Nodes as QEMU microvms (docs/vm.md): the image's vmlinux and os.img, the node's data.img,
// babelsup as init from an initramfs bvd writes at each start, and the node channel over a
// private point-to-point virtio-net link.
class QemuBackend : public VmBackend {
public:
    QemuBackend(ChildProcesses& children, std::string qemu_binary)
        : VmBackend(children, "QEMU", std::move(qemu_binary),
                    "install Debian's qemu-system-x86, or set \"qemu_binary\" in the host config") {}
    std::unique_ptr<Machine> make(const MachineSpec& spec) override;
    BackendKind kind() const override { return BackendKind::qemu; }
};

}  // namespace bv::machine
