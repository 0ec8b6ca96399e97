#pragma once

#include <map>
#include <memory>
#include <vector>

#include "machine/machine.hpp"

namespace bv::machine {

// The backends this bvd can run nodes with, and the host's default for new nodes. Each
// node names its own backend, so nodes of several backends live side by side (a host whose
// default changed keeps its older nodes where they are).
class BackendRegistry {
public:
    explicit BackendRegistry(BackendKind default_kind) : default_kind_(default_kind) {}

    void add(std::unique_ptr<MachineBackend> backend);
    bool has(BackendKind kind) const { return backends_.contains(kind); }
    // Throws std::invalid_argument naming the backend when it is not available here.
    MachineBackend& get(BackendKind kind) const;
    BackendKind default_kind() const { return default_kind_; }
    // Every backend's begin_load(), held while the returned value lives.
    std::vector<std::shared_ptr<void>> begin_load() const;

private:
    BackendKind default_kind_;
    std::map<BackendKind, std::unique_ptr<MachineBackend>> backends_;
};

}  // namespace bv::machine
