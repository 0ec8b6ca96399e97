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

std::vector<std::shared_ptr<void>> BackendRegistry::begin_load() const {
    std::vector<std::shared_ptr<void>> sessions;
    for (const auto& [kind, backend] : backends_) sessions.push_back(backend->begin_load());
    return sessions;
}

}  // namespace bv::machine
