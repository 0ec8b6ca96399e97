#include "daemon/admission.hpp"

#include <algorithm>

namespace bv::daemon {

std::optional<std::string> capacity_refusal(const babel::Requirements& wanted,
                                            const std::vector<babel::Requirements>& reserved, const HostCapacity& host) {
    std::uint64_t cpus = wanted.vcpu_count, memory_mb = wanted.mem_size_mb, disk_taken_gb = 0;
    for (const auto& node : reserved) {
        cpus += node.vcpu_count;
        memory_mb += node.mem_size_mb;
        disk_taken_gb += node.disk_size_gb;
    }
    const auto disk_gb = disk_taken_gb + wanted.disk_size_gb;
    const auto host_memory_mb = host.memory_bytes >> 20;
    const auto host_disk_gb = (host.disk_available_bytes >> 30) + disk_taken_gb;
    if (cpus <= host.cpu_count && memory_mb <= host_memory_mb && disk_gb <= host_disk_gb) return std::nullopt;
    return "the node needs " + std::to_string(wanted.vcpu_count) + " vCPU, " + std::to_string(wanted.mem_size_mb) +
           " MB memory and " + std::to_string(wanted.disk_size_gb) + " GB disk; with the nodes already here that makes " +
           std::to_string(cpus) + " vCPU, " + std::to_string(memory_mb) + " MB, " + std::to_string(disk_gb) +
           " GB, but the host has " + std::to_string(host.cpu_count) + " CPUs, " + std::to_string(host_memory_mb) +
           " MB and " + std::to_string(host_disk_gb) + " GB";
}

std::optional<std::string> host_port_refusal(const std::string& name, const std::vector<std::uint16_t>& wanted,
                                             const std::vector<PortHolder>& holders,
                                             const std::vector<std::uint16_t>& in_use) {
    const auto has = [](const std::vector<std::uint16_t>& ports, std::uint16_t port) {
        return std::ranges::find(ports, port) != ports.end();
    };
    for (const auto& holder : holders) {
        for (const auto port : wanted) {
            if (!has(holder.ports, port)) continue;
            return "node '" + name + "' needs port " + std::to_string(port) + " of the host network, which node '" +
                   holder.name + "' uses; stop it, or create this node with --network bridge";
        }
    }
    for (const auto port : wanted) {
        if (!has(in_use, port)) continue;
        return "node '" + name + "' needs port " + std::to_string(port) +
               " of the host network, but another program on this host listens on it; stop that program, or create "
               "this node with --network bridge";
    }
    return std::nullopt;
}

}  // namespace bv::daemon
