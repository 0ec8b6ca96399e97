#pragma once

#include <cstdint>

namespace bv {

// Raises this process's soft limit of open files to its hard limit and returns the new soft
// limit. A server holds one descriptor per connection, and systemd (like most shells) starts
// services with a soft limit of 1024, the size select() can handle; nothing here uses select().
std::uint64_t raise_open_file_limit();

}  // namespace bv
