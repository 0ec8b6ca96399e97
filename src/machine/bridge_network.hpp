#pragma once

#include <sys/types.h>

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "common/child_processes.hpp"

namespace bv::machine {

struct BridgeAttachment {
    std::string bridge;    // host bridge, created (with the gateway's address) when missing
    std::string host_link; // the host end of the node's veth pair
    std::string ip;        // the node's address; /24 when no prefix is given
    std::string gateway;
};

// Gives the network namespace of `pid` an eth0 on the host bridge, with the node's address
// and a default route through the gateway, and brings up its loopback. Uses iproute2 (`ip`)
// and util-linux (`nsenter`). Throws std::runtime_error with the failing command's output.
asio::awaitable<void> attach_to_bridge(ChildProcesses& children, pid_t pid, const BridgeAttachment& attachment);
// Deletes the host end of the veth pair (the node end goes with its namespace).
asio::awaitable<void> detach_from_bridge(ChildProcesses& children, std::string host_link);

// A VM's tap device: on `bridge` (made, with `gateway`, when missing), or alone with
// `address` (the private channel link).
struct TapDevice {
    std::string name;
    std::string bridge;
    std::string gateway;
    std::string address;  // CIDR
    // The guest's end of a point-to-point link: a permanent neighbour entry, so that the host
    // sends to it at once instead of waiting for ARP answers the booting guest cannot give.
    std::string peer_address;
    std::string peer_mac;
};
asio::awaitable<void> create_tap(ChildProcesses& children, const TapDevice& tap);

// Runs `argv` (ip, nsenter, mkfs...) to its end within `timeout`; throws std::runtime_error
// with its output when it exits with a code above `highest_success` or is killed.
asio::awaitable<void> must_run(ChildProcesses& children, std::vector<std::string> argv,
                               std::chrono::milliseconds timeout = std::chrono::seconds(10), int highest_success = 0);

// A veth name for a node (at most 15 characters): "bv" and the start of its id.
std::string host_link_name(const std::string& node_id);

}  // namespace bv::machine
