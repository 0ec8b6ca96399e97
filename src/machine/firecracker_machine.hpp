#pragma once

#include "common/child_processes.hpp"
#include "machine/machine.hpp"
#include "machine/vm_disks.hpp"

namespace bv::machine {

// Nodes as Firecracker microVMs (docs/vm.md): bvd starts the VMM with --api-sock in the node's
// directory, configures it over that socket (machine-config, boot-source, drives,
// network-interfaces, vsock) and sends InstanceStart; the node channel is Firecracker's vsock
// Unix socket with its CONNECT handshake; a graceful stop is SendCtrlAltDel, then babelsup's Shutdown call.
class FirecrackerBackend : public VmBackend {
public:
    FirecrackerBackend(ChildProcesses& children, std::string firecracker_binary)
        : VmBackend(children, "Firecracker", std::move(firecracker_binary),
                    "install it, or set \"firecracker_binary\" in the host config") {}
    std::unique_ptr<Machine> make(const MachineSpec& spec) override;
    BackendKind kind() const override { return BackendKind::firecracker; }
};

}  // namespace bv::machine
