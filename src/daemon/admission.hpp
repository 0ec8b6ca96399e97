#pragma once

// Whether a new node fits on the host, as a plain function of what the nodes here reserved
// and what the host has: the caller reads the host, this decides.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "babel/config.hpp"

namespace bv::daemon {

struct HostCapacity {
    std::uint32_t cpu_count = 0;
    std::uint64_t memory_bytes = 0;
    std::uint64_t disk_available_bytes = 0;  // free now, on the file system of the nodes
};

// Why the node asking for `wanted` does not fit beside the nodes that reserved `reserved`; nullopt when
// it fits. The nodes' disks are partly still free space on the host: what they reserved counts
// as the host's too.
std::optional<std::string> capacity_refusal(const babel::Requirements& wanted,
                                            const std::vector<babel::Requirements>& reserved, const HostCapacity& host);

// A node on the host network that holds host ports (running, or starting: its client may
// not listen yet).
struct PortHolder {
    std::string name;
    std::vector<std::uint16_t> ports;
};

// Why node `name`, which needs `wanted` ports of the host network, cannot start beside
// `holders` and the ports `in_use` by other programs (probed by the caller); nullopt when it
// can. A node's own ports are refused first: that refusal names the node to stop.
std::optional<std::string> host_port_refusal(const std::string& name, const std::vector<std::uint16_t>& wanted,
                                             const std::vector<PortHolder>& holders,
                                             const std::vector<std::uint16_t>& in_use);

}  // namespace bv::daemon
