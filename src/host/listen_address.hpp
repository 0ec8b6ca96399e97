#pragma once

#include <cstdint>
#include <string>

namespace bv {

// Where a server of this host listens (bv-api's --listen, bvd's metrics_listen).
struct HostPort {
    std::string host;  // an IP address; an IPv6 one without brackets
    std::uint16_t port = 0;
};

// "127.0.0.1:8443", "[::1]:8443", "0.0.0.0:0" (port 0: any free port). Throws
// std::invalid_argument saying what is expected.
HostPort parse_listen_address(const std::string& text);

}  // namespace bv
