#pragma once

// How a node is isolated, behind one interface: a namespace sandbox, a QEMU microvm or a
// Firecracker microVM.
// The node manager is the only user; it never needs to know which backend runs a node.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "rpc/endpoint.hpp"

namespace bv::machine {

namespace asio = boost::asio;

// A node's console.log (babelsup's output, a VM's kernel messages) is appended at every start
// and rotated to console.log.1 at a start that finds it larger than this.
inline constexpr std::uintmax_t kConsoleLogLimit = 4 << 20;

// Which backend runs a node: it is part of the node's record for the node's whole life.
enum class BackendKind { sandbox, qemu, firecracker };
std::string_view backend_name(BackendKind kind);
// "sandbox", "qemu", "firecracker"; nullopt for anything else.
std::optional<BackendKind> parse_backend_name(std::string_view name);

// How a node reaches the network. A sandbox in `host` mode shares the host's network
// namespace; a VM in `host` mode has no public interface at all (only its node channel).
// `bridge`: an address of its own on the host bridge.
enum class NetworkMode { host, bridge };

// QEMU's accelerator: `automatic` takes KVM when the CPU has vmx/svm and /dev/kvm opens,
// else TCG (software emulation).
enum class Accelerator { automatic, kvm, tcg };
std::optional<Accelerator> parse_accelerator(std::string_view name);

// What only VM backends use.
struct VmSpec {
    std::filesystem::path kernel;      // the image's uncompressed vmlinux
    std::filesystem::path os_image;    // the image's ext4 root disk, attached read only
    std::string image_name;            // protocol/type/version of that image (bv.image= to the guest)
    std::filesystem::path data_image;  // the node's own ext4 disk (babel's state and the chain's data)
    std::uint64_t data_disk_bytes = 0; // size of a new data_image
    std::string tap;                   // public interface on the bridge (bridge mode)
    std::string mac;                   // of the public interface, derived from the node's IP
    std::uint32_t channel_link = 0;    // the private point-to-point link of the node channel
    Accelerator accelerator = Accelerator::automatic;
};

// Everything a backend needs to run one node.
struct MachineSpec {
    std::string node_id;
    std::string hostname;                // the node's name
    std::filesystem::path node_dir;      // the node's own directory (state, data, sockets...)
    std::filesystem::path image_rootfs;  // the image's root filesystem (read only)
    std::filesystem::path babelsup_binary;
    NetworkMode network = NetworkMode::host;
    std::string ip;                      // bridge mode: the node's address (CIDR or plain, /24 assumed)
    std::string gateway;
    std::string bridge = "bvbr0";
    std::uint32_t vcpu_count = 0;        // 0: no limit (a VM gets 1)
    std::uint64_t mem_size_mb = 0;       // 0: no limit (a VM gets 192 MB more for its kernel)
    VmSpec vm;
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
    // Asks the machine itself to shut down gracefully, where it has a way (Firecracker:
    // SendCtrlAltDel), before babelsup's Shutdown call, which is the way that works everywhere.
    virtual asio::awaitable<void> request_graceful_stop() { co_return; }
    // Completes when the machine stops (at once if it is not running).
    virtual asio::awaitable<void> wait_stopped() = 0;
    // Frees what start() set up outside the node directory (network devices, cgroups), and
    // kills what may be left of a machine started but never recorded (bvd died right after
    // starting it). True when there was such a machine.
    virtual asio::awaitable<bool> clean_up() = 0;
    virtual MachineLocation location() const = 0;
    // How to reach `port` of the node channel inside.
    virtual rpc::Endpoint channel(std::uint32_t port) const = 0;
};

class MachineBackend {
public:
    virtual ~MachineBackend() = default;
    virtual std::unique_ptr<Machine> make(const MachineSpec& spec) = 0;
    virtual BackendKind kind() const = 0;
    // At create, before anything is made: throws std::invalid_argument saying what this host
    // or the image lacks for such a node (a missing kernel, no QEMU binary...).
    virtual void check_node(const MachineSpec& spec) const = 0;
    // At create: makes what the node needs in `node_dir` (its data disk), which is the node's
    // directory being built. Throws std::runtime_error naming what failed.
    virtual asio::awaitable<void> prepare_node(const MachineSpec& spec, std::filesystem::path node_dir) = 0;
    // bvd's load of its nodes, which attaches to their machines or cleans up after each that is
    // gone: the machines made while the returned value lives may share work that each would do
    // alone (the sandbox backend reads the host's processes once for all). Null: nothing shared.
    virtual std::shared_ptr<void> begin_load() { return nullptr; }
};

}  // namespace bv::machine
