#pragma once

// The node record's words for the machine layer's types, in one place.

#include "blockvisor/v1/node.pb.h"
#include "machine/machine.hpp"

namespace bv::daemon {

namespace v1 = blockvisor::v1;

// A record without a backend was written before nodes had one: a sandbox.
machine::BackendKind backend_of(const v1::NodeRecord& record);
v1::MachineBackend backend_message(machine::BackendKind kind);
// UNSPECIFIED: nullopt (the host's default applies).
std::optional<machine::BackendKind> requested_backend(v1::MachineBackend backend);

// Throws std::invalid_argument for a mode other than "host", "bridge" or empty (host).
machine::NetworkMode network_mode_of(const v1::NodeNetwork& network);

}  // namespace bv::daemon
