#pragma once

// The node channel: numbered ports between bvd (outside a node) and babelsup/babel (inside).
// In a sandbox (and in tests) each port is a Unix socket in a directory both sides see; in a
// Firecracker or QEMU guest it is AF_VSOCK.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "rpc/endpoint.hpp"
#include "rpc/server.hpp"

namespace bv::babel {

namespace asio = boost::asio;

inline constexpr std::uint32_t kBabelSupPort = 41;
inline constexpr std::uint32_t kBabelPort = 42;

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
// "vsock" (listen on any CID) or "vsock:CID" (connect to that CID).
// Throws std::invalid_argument for anything else.
std::unique_ptr<NodeChannel> make_node_channel(std::string_view spec);

}  // namespace bv::babel
