#include "machine/cgroup_limits.hpp"

#include <filesystem>
#include <fstream>
#include <vector>

namespace bv::machine {
namespace {

namespace fs = std::filesystem;
const fs::path kCgroupRoot = "/sys/fs/cgroup";
constexpr std::uint64_t kCpuPeriodUs = 100'000;

bool cgroup_v2() { return fs::exists(kCgroupRoot / "cgroup.controllers"); }

void write_value(const fs::path& file, const std::string& value) {
    std::ofstream out(file);
    out << value;
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + value + " to " + file.string());
}

std::vector<fs::path> groups_of(const std::string& name) {
    if (cgroup_v2()) return {kCgroupRoot / "blockvisor" / name};
    return {kCgroupRoot / "cpu/blockvisor" / name, kCgroupRoot / "memory/blockvisor" / name};
}

}  // namespace

std::optional<std::string> apply_cgroup_limits(const std::string& name, pid_t pid, std::uint32_t vcpu_count,
                                               std::uint64_t mem_size_mb) {
    try {
        const auto cpu_quota = std::to_string(vcpu_count * kCpuPeriodUs);
        const auto memory = std::to_string(mem_size_mb * 1024 * 1024);
        if (cgroup_v2()) {
            const auto group = kCgroupRoot / "blockvisor" / name;
            fs::create_directories(group);
            write_value(kCgroupRoot / "blockvisor/cgroup.subtree_control", "+cpu +memory");
            if (vcpu_count > 0) write_value(group / "cpu.max", cpu_quota + " " + std::to_string(kCpuPeriodUs));
            if (mem_size_mb > 0) write_value(group / "memory.max", memory);
            write_value(group / "cgroup.procs", std::to_string(pid));
            return std::nullopt;
        }
        const auto cpu = kCgroupRoot / "cpu/blockvisor" / name;
        const auto mem = kCgroupRoot / "memory/blockvisor" / name;
        fs::create_directories(cpu);
        fs::create_directories(mem);
        if (vcpu_count > 0) {
            write_value(cpu / "cpu.cfs_period_us", std::to_string(kCpuPeriodUs));
            write_value(cpu / "cpu.cfs_quota_us", cpu_quota);
        }
        if (mem_size_mb > 0) write_value(mem / "memory.limit_in_bytes", memory);
        write_value(cpu / "cgroup.procs", std::to_string(pid));
        write_value(mem / "cgroup.procs", std::to_string(pid));
        return std::nullopt;
    } catch (const std::exception& error) {
        return std::string(error.what());
    }
}

void remove_cgroup_limits(const std::string& name) {
    for (const auto& group : groups_of(name)) {
        std::error_code ignored;
        fs::remove(group, ignored);
    }
}

}  // namespace bv::machine
