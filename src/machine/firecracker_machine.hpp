#pragma once

#include "common/child_processes.hpp"
#include "machine/machine.hpp"

namespace bv::machine {

// Nodes as Firecracker microVMs (docs/vm.md): bvd starts the VMM with --api-sock in the node's
// directory, configures it over that socket (machine-config, boot-source, drives,
// network-interfaces, vsock) and sends InstanceStart; the node channel is Firecracker's vsock
// Unix socket with its CONNECT handshake; a graceful stop is SendCtrlAltDel, then babelsup's Shutdown call.
class FirecrackerBackend : public MachineBackend {
public:
    FirecrackerBackend(ChildProcesses& children, std::string firecracker_binary)
        : children_(children), firecracker_binary_(std::move(firecracker_binary)) {}
    std::unique_ptr<Machine> make(const MachineSpec& spec) override;
    BackendKind kind() const override { return BackendKind::firecracker; }
    void check_node(const MachineSpec& spec) const override;
    asio::awaitable<void> prepare_node(const MachineSpec& spec, std::filesystem::path node_dir) override;

private:
    ChildProcesses& children_;
    std::string firecracker_binary_;
};

}  // namespace bv::machine
