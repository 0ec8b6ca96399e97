#pragma once

#include <cstdint>
#include <string>

#include "common/notifier.hpp"

namespace bv::daemon {

// How bvd's link to the control plane is, for `bv host status` and for the loops that
// wait for a connection.
struct ControlPlaneState {
    bool connected = false;
    std::int64_t connected_since_ms = 0;
    std::string last_error;
    std::int64_t last_error_at_ms = 0;
    std::uint32_t connections = 0;  // streams opened since bvd started
    std::uint64_t commands_acked = 0;
    std::uint64_t commands_completed = 0;
    std::size_t pending_status_updates = 0;
    // Woken when `connected` changes.
    Notifier changed;
};

}  // namespace bv::daemon
