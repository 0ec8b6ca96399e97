#include "machine/machine.hpp"

namespace bv::machine {

std::string_view backend_name(BackendKind kind) {
    switch (kind) {
        case BackendKind::sandbox: return "sandbox";
        case BackendKind::qemu: return "qemu";
        case BackendKind::firecracker: return "firecracker";
    }
    return "unknown";
}

std::optional<BackendKind> parse_backend_name(std::string_view name) {
    for (const auto kind : {BackendKind::sandbox, BackendKind::qemu, BackendKind::firecracker}) {
        if (backend_name(kind) == name) return kind;
    }
    return std::nullopt;
}

std::optional<Accelerator> parse_accelerator(std::string_view name) {
    if (name == "auto" || name.empty()) return Accelerator::automatic;
    if (name == "kvm") return Accelerator::kvm;
    if (name == "tcg") return Accelerator::tcg;
    return std::nullopt;
}

}  // namespace bv::machine
