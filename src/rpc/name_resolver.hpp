#pragma once

// How the TCP connections of this process turn host names into addresses. glibc's
// getaddrinfo would load the host's NSS modules at run time, which a static binary cannot
// rely on; so the resolver is whatever the program sets: the host's programs use c-ares
// (host/dns_resolver.hpp), the node side none (babel connects to IP addresses and localhost).

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <functional>
#include <string>
#include <vector>

namespace bv::rpc {

namespace asio = boost::asio;

using IpAddresses = std::vector<asio::ip::address>;

// Looks up a host name (never an IP literal nor "localhost": resolve_host answers those).
// Returns the addresses in the order to try them; throws rpc::Error naming the host when it
// has none; stops when cancelled.
using NameResolver = std::function<asio::awaitable<IpAddresses>(std::string host)>;

// The resolver of every connection this process opens by host name. Set it once at start,
// before the first connection.
void set_name_resolver(NameResolver resolver);

// An IP literal as it is, "localhost" as 127.0.0.1 (RFC 6761: always the loopback), any other
// name through the resolver set; without one, rpc::Error(unavailable) saying so.
asio::awaitable<IpAddresses> resolve_host(std::string host);

}  // namespace bv::rpc
