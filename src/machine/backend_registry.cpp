#include "machine/backend_registry.hpp"

#include <stdexcept>

namespace bv::machine {

void BackendRegistry::add(std::unique_ptr<MachineBackend> backend) {
    const auto kind = backend->kind();
    backends_[kind] = std::move(backend);
}

MachineBackend& BackendRegistry::get(BackendKind kind) const {
    const auto found = backends_.find(kind);
    if (found == backends_.end()) {
        std::string available;
        for (const auto& [known, backend] : backends_) available += (available.empty() ? "" : ", ") + std::string(backend_name(known));
        throw std::invalid_argument("backend '" + std::string(backend_name(kind)) +
                                    "' is not available on this host (available: " + available + ")");
    }
    return *found->second;
}

}  // namespace bv::machine
