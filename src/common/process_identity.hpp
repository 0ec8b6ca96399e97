#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace bv {

// When the process started (field 22 of /proc/<pid>/stat, in clock ticks since boot): with the
// PID it identifies a process, since PIDs are reused. nullopt when there is no such live
// process (gone, or a zombie).
std::optional<std::uint64_t> process_start_time(pid_t pid);

// A pidfd for `pid` (pidfd_open), or -1. It becomes readable when the process exits, whoever
// its parent is.
int open_pidfd(pid_t pid);

}  // namespace bv
