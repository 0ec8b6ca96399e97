#include "daemon/node_backend.hpp"

#include <stdexcept>

namespace bv::daemon {

machine::BackendKind backend_of(const v1::NodeRecord& record) {
    return requested_backend(record.backend()).value_or(machine::BackendKind::sandbox);
}

v1::MachineBackend backend_message(machine::BackendKind kind) {
    switch (kind) {
        case machine::BackendKind::sandbox: return v1::MACHINE_BACKEND_SANDBOX;
        case machine::BackendKind::qemu: return v1::MACHINE_BACKEND_QEMU;
        case machine::BackendKind::firecracker: return v1::MACHINE_BACKEND_FIRECRACKER;
    }
    return v1::MACHINE_BACKEND_UNSPECIFIED;
}

std::optional<machine::BackendKind> requested_backend(v1::MachineBackend backend) {
    switch (backend) {
        case v1::MACHINE_BACKEND_SANDBOX: return machine::BackendKind::sandbox;
        case v1::MACHINE_BACKEND_QEMU: return machine::BackendKind::qemu;
        case v1::MACHINE_BACKEND_FIRECRACKER: return machine::BackendKind::firecracker;
        default: return std::nullopt;
    }
}

machine::NetworkMode network_mode_of(const v1::NodeNetwork& network) {
    if (network.mode().empty() || network.mode() == "host") return machine::NetworkMode::host;
    if (network.mode() == "bridge") return machine::NetworkMode::bridge;
    throw std::invalid_argument("unknown network mode '" + network.mode() + "': use host or bridge");
}

}  // namespace bv::daemon
