#include "common/system_info.hpp"

#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace bv {
namespace {

// A "Name:   123 kB" line of /proc/meminfo, in bytes.
std::uint64_t meminfo_bytes(const std::string& meminfo, const std::string& name) {
    const auto at = meminfo.find(name + ":");
    if (at == std::string::npos) return 0;
    return std::strtoull(meminfo.c_str() + at + name.size() + 1, nullptr, 10) * 1024;
}

std::string file_text(const char* path) {
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

}  // namespace

SystemInfo read_system_info(const std::filesystem::path& path) {
    SystemInfo info;
    char hostname[256] = {};
    if (::gethostname(hostname, sizeof hostname - 1) == 0) info.hostname = hostname;
    struct utsname name {};
    if (::uname(&name) == 0) info.kernel = std::string(name.sysname) + " " + name.release;
    info.cpu_count = std::thread::hardware_concurrency();
    const auto meminfo = file_text("/proc/meminfo");
    info.memory_total_bytes = meminfo_bytes(meminfo, "MemTotal");
    info.memory_available_bytes = meminfo_bytes(meminfo, "MemAvailable");
    struct statvfs filesystem {};
    if (::statvfs(path.c_str(), &filesystem) == 0) {
        info.disk_total_bytes = static_cast<std::uint64_t>(filesystem.f_blocks) * filesystem.f_frsize;
        info.disk_available_bytes = static_cast<std::uint64_t>(filesystem.f_bavail) * filesystem.f_frsize;
    }
    info.uptime_seconds = static_cast<std::uint64_t>(std::strtod(file_text("/proc/uptime").c_str(), nullptr));
    double load[1] = {};
    if (::getloadavg(load, 1) == 1) info.load_average_1m = load[0];
    return info;
}

}  // namespace bv
