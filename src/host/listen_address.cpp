#include "host/listen_address.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <stdexcept>

namespace bv {
namespace {

bool is_ipv6(const std::string& host) { return host.find(':') != std::string::npos; }

}  // namespace

HostPort parse_listen_address(const std::string& text) {
    const auto bad = [&](const std::string& why) {
        return std::invalid_argument("listen address '" + text + "' " + why +
                                     ": expected IP:PORT, e.g. 127.0.0.1:8443, 0.0.0.0:8443 or [::1]:8443");
    };
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) throw bad("has no port");
    HostPort address;
    address.host = text.substr(0, colon);
    if (address.host.size() >= 2 && address.host.front() == '[' && address.host.back() == ']') {
        address.host = address.host.substr(1, address.host.size() - 2);
    }
    const auto port = std::string_view(text).substr(colon + 1);
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
        throw bad("has no valid port");
    }
    address.port = static_cast<std::uint16_t>(value);
    in6_addr parsed{};
    if (inet_pton(is_ipv6(address.host) ? AF_INET6 : AF_INET, address.host.c_str(), &parsed) != 1) {
        throw bad("has no IP address");
    }
    return address;
}

}  // namespace bv
