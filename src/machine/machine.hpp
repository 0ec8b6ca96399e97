#pragma once

// How a node is isolated, behind one interface: the sandbox now, Firecracker and QEMU later.
// The node manager is the only user; it never needs to know which backend runs a node.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "rpc/endpoint.hpp"

namespace bv::machine {

namespace asio = boost::asio;

// Everything a backend needs to run one node.
struct MachineSpec {
    std::string node_id;
    std::string hostname;                // the node's name
    std::filesystem::path node_dir;      // the node's own directory (state, data, sockets...)
    std::filesystem::path image_rootfs;  // the image's root filesystem (read only)
    std::filesystem::path babelsup_binary;
    std::string network_mode = "host";   // "host" or "bridge"
    std::string ip;                      // bridge mode: the node's address (CIDR or plain, /24 assumed)
    std::string gateway;
    std::string bridge = "bvbr0";
    std::uint32_t vcpu_count = 0;        // 0: no limit
    std::uint64_t mem_size_mb = 0;       // 0: no limit
};

// Where a running machine is, persisted in the node's record so that a restarted bvd finds
// it again.
struct MachineLocation {
    int pid = 0;
    std::uint64_t start_time = 0;
};

class Machine {
public:
    virtual ~Machine() = default;

    // Starts the machine with babelsup as its PID 1; returns once it runs (babelsup may still
    // be starting: connect with retries). Throws std::runtime_error naming what failed.
    virtual asio::awaitable<void> start() = 0;
    // Finds a machine started by an earlier bvd. False when it is not running any more.
    virtual bool attach(const MachineLocation& location) = 0;
    virtual bool running() const = 0;
    // Kills everything in the machine at once.
    virtual void kill() = 0;
    // Completes when the machine stops (at once if it is not running).
    virtual asio::awaitable<void> wait_stopped() = 0;
    // Frees what start() set up outside the node directory (network devices, cgroups), and
    // kills what may be left of a machine started but never recorded (bvd died right after
    // starting it).
    virtual asio::awaitable<void> clean_up() = 0;
    virtual MachineLocation location() const = 0;
    // How to reach `port` of the node channel inside.
    virtual rpc::Endpoint channel(std::uint32_t port) const = 0;
};

class MachineBackend {
public:
    virtual ~MachineBackend() = default;
    virtual std::unique_ptr<Machine> make(const MachineSpec& spec) = 0;
    virtual std::string name() const = 0;
};

}  // namespace bv::machine
