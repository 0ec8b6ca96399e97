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

}  // namespace bv
