#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace bv {

// What the host has, read from the kernel (/proc, statvfs, uname).
struct SystemInfo {
    std::string hostname;
    std::string kernel;
    std::uint32_t cpu_count = 0;
    std::uint64_t memory_total_bytes = 0;
    std::uint64_t memory_available_bytes = 0;
    std::uint64_t disk_total_bytes = 0;      // of the filesystem holding `path`
    std::uint64_t disk_available_bytes = 0;
    std::uint64_t uptime_seconds = 0;
    double load_average_1m = 0;
};

SystemInfo read_system_info(const std::filesystem::path& path);

// Copies what the host has into a message whose fields are named as SystemInfo's are (the
// host's Info answer and its metrics both report it).
template <class Message>
void set_capacity(Message& message, const SystemInfo& system) {
    message.set_cpu_count(system.cpu_count);
    message.set_memory_total_bytes(system.memory_total_bytes);
    message.set_memory_available_bytes(system.memory_available_bytes);
    message.set_disk_total_bytes(system.disk_total_bytes);
    message.set_disk_available_bytes(system.disk_available_bytes);
    message.set_load_average_1m(system.load_average_1m);
}

}  // namespace bv
