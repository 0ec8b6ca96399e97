#pragma once

// The node channel: numbered ports between bvd (outside a node) and babelsup/babel (inside).
// In a sandbox (and in tests) each port is a Unix socket in a directory both sides see; in a
// QEMU guest here it is TCP over a private point-to-point link (docs/vm.md); with vsock,
// AF_VSOCK.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "rpc/endpoint.hpp"
#include "rpc/server.hpp"

namespace bv::babel {

namespace asio = boost::asio;

class NodeChannel {
public:
    virtual ~NodeChannel() = default;
    // Inside the node: accept connections on `port`.
    virtual rpc::Acceptor listen(asio::any_io_executor executor, std::uint32_t port) const = 0;
    // Where to connect to reach `port`.
    virtual rpc::Endpoint endpoint(std::uint32_t port) const = 0;
    // The spec this channel was made from (to hand it on, e.g. to babel's command line).
    virtual std::string spec() const = 0;
};

// "unix:DIR": a Unix socket DIR/<port>.sock per port.
// "tcp:ADDRESS": TCP on ADDRESS (a VM's private link), the port number as the TCP port.
// "vsock" (listen on any CID) or "vsock:CID" (connect to that CID).
// "firecracker-vsock:PATH": the host's side of a Firecracker vsock device, its Unix socket
// PATH with the handshake "CONNECT <port>\n" / "OK <host port>\n" (Firecracker's
// docs/vsock.md); connect only (inside the guest the same ports are "vsock").
// Throws std::invalid_argument for anything else.
std::unique_ptr<NodeChannel> make_node_channel(std::string_view spec);
std::string firecracker_vsock_spec(const std::string& uds_path);

// Firecracker's answer to CONNECT, one line without its '\n': true for "OK <number>".
bool vsock_connect_accepted(std::string_view line);

}  // namespace bv::babel
