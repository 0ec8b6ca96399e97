#include "machine/vm_network.hpp"

#include <arpa/inet.h>

#include <cstdio>

namespace bv::machine {
namespace {

std::string compact_id(const std::string& node_id) {
    std::string compact;
    for (const char c : node_id) {
        if (c != '-') compact += c;
    }
    return compact.substr(0, 12);
}

std::string dotted(std::uint32_t address) {
    return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 0xff) + "." +
           std::to_string((address >> 8) & 0xff) + "." + std::to_string(address & 0xff);
}

}  // namespace

std::string public_tap_name(const std::string& node_id) { return "bvt" + compact_id(node_id); }
std::string channel_tap_name(const std::string& node_id) { return "bvc" + compact_id(node_id); }

std::optional<std::string> mac_of_ip(const std::string& ip) {
    const auto address = ip.substr(0, ip.find('/'));
    in_addr parsed{};
    if (::inet_pton(AF_INET, address.c_str(), &parsed) != 1) return std::nullopt;
    const auto* bytes = reinterpret_cast<const unsigned char*>(&parsed.s_addr);
    char mac[18];
    std::snprintf(mac, sizeof mac, "06:00:%02x:%02x:%02x:%02x", bytes[0], bytes[1], bytes[2], bytes[3]);
    return std::string(mac);
}

ChannelLinkAddresses channel_link_addresses(std::uint32_t link) {
    const std::uint32_t base = (169u << 24) | (254u << 16) | ((link * 4) & 0xffff);
    return {dotted(base + 1), dotted(base + 2)};
}

}  // namespace bv::machine
