#include "daemon/control/host_identity.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>

#include <fstream>
#include <sstream>

#include "common/files.hpp"
#include "common/system_info.hpp"
#include "common/version.hpp"

namespace bv::daemon {
namespace {

std::string unquoted(std::string value) {
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
        value = value.substr(1, value.size() - 2);
    }
    return value;
}

std::string ipv4_of_interface(const std::string& interface) {
    ifaddrs* addresses = nullptr;
    if (::getifaddrs(&addresses) != 0) return {};
    std::string ip;
    for (auto* entry = addresses; entry != nullptr; entry = entry->ifa_next) {
        if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != AF_INET || interface != entry->ifa_name) continue;
        char text[INET_ADDRSTRLEN] = {};
        ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(entry->ifa_addr)->sin_addr, text, sizeof text);
        ip = text;
        break;
    }
    ::freeifaddrs(addresses);
    return ip;
}

}  // namespace

OsRelease parse_os_release(std::string_view text) {
    OsRelease release;
    std::istringstream lines{std::string(text)};
    for (std::string line; std::getline(lines, line);) {
        const auto equals = line.find('=');
        if (equals == std::string::npos) continue;
        const auto key = line.substr(0, equals);
        if (key == "NAME") release.name = unquoted(line.substr(equals + 1));
        if (key == "VERSION_ID") release.version = unquoted(line.substr(equals + 1));
    }
    return release;
}

DefaultRoute read_default_route() {
    // Columns: Iface Destination Gateway Flags ...; hex in the kernel's (little-endian) order.
    std::ifstream routes("/proc/net/route");
    std::string line;
    std::getline(routes, line);
    while (std::getline(routes, line)) {
        std::istringstream fields(line);
        std::string interface, destination, gateway;
        fields >> interface >> destination >> gateway;
        if (destination != "00000000") continue;
        in_addr address{};
        address.s_addr = static_cast<in_addr_t>(std::stoul(gateway, nullptr, 16));
        char text[INET_ADDRSTRLEN] = {};
        ::inet_ntop(AF_INET, &address, text, sizeof text);
        return {ipv4_of_interface(interface), text};
    }
    return {};
}

blockvisor::api::v1::HostInfo read_host_identity(const std::filesystem::path& root, const blockvisor::v1::HostConfig& config) {
    const auto system = read_system_info(root);
    const auto release = parse_os_release(read_file_if_exists("/etc/os-release").value_or(""));
    const auto route = read_default_route();
    blockvisor::api::v1::HostInfo info;
    info.set_name(config.host_name().empty() ? system.hostname : config.host_name());
    info.set_version(kVersion);
    info.set_cpu_count(system.cpu_count);
    info.set_memory_bytes(system.memory_total_bytes);
    info.set_disk_bytes(system.disk_total_bytes);
    info.set_os(release.name);
    info.set_os_version(release.version);
    info.set_ip(route.ip);
    info.set_gateway(route.gateway);
    info.set_node_ip_range(config.node_ip_range());
    return info;
}

}  // namespace bv::daemon
