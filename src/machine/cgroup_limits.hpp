#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace bv::machine {

// Puts `pid` (and so every process it starts later) into a cgroup `blockvisor/<name>` with
// CPU and memory limits: cgroup v2 when the host has it, else the v1 cpu and memory
// hierarchies. Returns why it could not, if it could not (the node then runs without limits).
std::optional<std::string> apply_cgroup_limits(const std::string& name, pid_t pid, std::uint32_t vcpu_count,
                                               std::uint64_t mem_size_mb);
// Removes the cgroups of `name` (they must be empty: the sandbox has stopped).
void remove_cgroup_limits(const std::string& name);

}  // namespace bv::machine
