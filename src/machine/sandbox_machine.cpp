#include "machine/sandbox_machine.hpp"

#include <signal.h>

#include "babel/node_contract.hpp"
#include "common/files.hpp"
#include "common/log.hpp"
#include "common/process_identity.hpp"
#include "common/worker_pool.hpp"
#include "machine/bridge_network.hpp"
#include "machine/cgroup_limits.hpp"
#include "machine/machine_process.hpp"
#include "machine/sandbox_launch.hpp"

namespace bv::machine {
namespace {

class SandboxMachine : public ProcessMachine {
public:
    SandboxMachine(ChildProcesses& children, SandboxSpawner& spawner, MachineSpec spec, std::weak_ptr<SandboxLoad> load)
        : ProcessMachine(children.executor()),
          children_(children),
          spawner_(spawner),
          spec_(std::move(spec)),
          paths_(sandbox_paths(spec_.node_dir)),
          load_(std::move(load)) {}

    asio::awaitable<void> start() override {
        if (running()) co_return;
        // Until it is attached, a sandbox of this start may run that no one watches.
        unwatched_ = Unwatched::of_a_start;
        SandboxLayout layout{spec_.image_rootfs, paths_.upper,   paths_.work,
                             paths_.root,        paths_.channel, paths_.state,
                             paths_.data,        spec_.babelsup_binary, paths_.console_log,
                             babelsup_socket(),  spec_.hostname, spec_.network == NetworkMode::bridge};
        // Forking and setting up the mounts blocks until babelsup is exec'ed: not on the loop.
        const pid_t pid = co_await run_in_worker([&] {
            // Made at create; again here for a node directory from before that.
            make_sandbox_directories(paths_);
            // babel's socket of an earlier run: connecting to it must fail until babel listens.
            std::filesystem::remove(babel_socket());
            rotate_log_if_larger(paths_.console_log, kConsoleLogLimit);
            return launch_sandbox(spawner_, layout, [&](pid_t init) {
                if (auto problem = apply_cgroup_limits(spec_.node_id, init, spec_.vcpu_count, spec_.mem_size_mb)) {
                    log::warn("node {}: running without CPU/memory limits: {}", spec_.hostname, *problem);
                }
            });
        });
        if (!attach({pid, process_start_time(pid).value_or(0)})) {
            throw std::runtime_error("sandbox of node " + spec_.hostname + " exited right after it started (see " +
                                     paths_.console_log.string() + ")");
        }
        if (spec_.network == NetworkMode::bridge) {
            try {
                co_await attach_to_bridge(children_, pid, {spec_.bridge, host_link_name(spec_.node_id), spec_.ip, spec_.gateway});
            } catch (...) {
                kill();
                throw;
            }
        }
    }


    asio::awaitable<bool> clean_up() override {
        const bool unrecorded = kill_unrecorded_sandbox();
        remove_cgroup_limits(spec_.node_id);
        if (spec_.network == NetworkMode::bridge) {
            try {
                co_await detach_from_bridge(children_, host_link_name(spec_.node_id));
            } catch (const std::exception& error) {
                // A link left on the bridge is replaced at the node's next start.
                log::warn("node {}: detaching it from the bridge failed: {}", spec_.node_id, error.what());
            }
        }
        co_return unrecorded;
    }


    bool attach(const MachineLocation& location) override {
        const bool attached = ProcessMachine::attach(location);
        if (attached) unwatched_ = Unwatched::none;
        return attached;
    }

    rpc::Endpoint channel(std::uint32_t port) const override { return rpc::unix_endpoint(socket_of(port).string()); }

private:
    std::filesystem::path socket_of(std::uint32_t port) const { return paths_.channel / (std::to_string(port) + ".sock"); }
    std::filesystem::path babelsup_socket() const { return socket_of(babel::kBabelSupPort); }
    std::filesystem::path babel_socket() const { return socket_of(babel::kBabelPort); }

    // Processes whose root directory is this node's root belong to a sandbox of it; when
    // nothing runs as far as we know, they are leftovers of a start a crash cut short. True
    // when there were any. Only a sandbox never attached can have left any: when PID 1 of one
    // that was watched exits, the kernel kills everything in its PID namespace. (The search
    // reads every process's root: at every stop, it cost each stop time in proportion to all
    // the host's processes.)
    bool kill_unrecorded_sandbox() {
        if (running() || unwatched_ == Unwatched::none) return false;
        // An earlier bvd's sandbox was there before this bvd started: the processes read once
        // for the whole load show it (those it forks since die with its PID 1).
        const auto load = unwatched_ == Unwatched::of_an_earlier_bvd ? load_.lock() : nullptr;
        const auto read_now = load ? std::optional<ProcessRoots>() : ProcessRoots::read();
        const auto& processes = load ? load->processes() : *read_now;
        bool found = false;
        for (const pid_t pid : processes.under(paths_.root)) {
            if (!process_root_is(pid, paths_.root)) continue;  // exited since it was read
            log::warn("node {}: killing process {} of a sandbox that was never recorded", spec_.hostname, pid);
            ::kill(pid, SIGKILL);
            found = true;
        }
        return found;
    }

    ChildProcesses& children_;
    SandboxSpawner& spawner_;
    MachineSpec spec_;
    SandboxPaths paths_;
    // Whether a sandbox of this node may run that this machine has not attached, and whose.
    enum class Unwatched {
        none,
        of_an_earlier_bvd,  // started by a bvd that died before recording it
        of_a_start,         // of this machine's start, not attached yet
    };
    Unwatched unwatched_ = Unwatched::of_an_earlier_bvd;
    std::weak_ptr<SandboxLoad> load_;  // of bvd's load, while it lasts
};

}  // namespace

void make_sandbox_directories(const SandboxPaths& paths) {
    for (const auto& directory : {paths.upper, paths.work, paths.root, paths.channel, paths.state, paths.data}) {
        std::filesystem::create_directories(directory);
    }
    // The mount points the sandbox adds to the image's root, in the node's layer ahead of time
    // (an overlay mount point made at each start costs a copy-up there: ~1 ms, measured).
    for (const char* directory : {kSandboxChannelDir, kSandboxStateDir, kSandboxDataVolume, "/usr/sbin"}) {
        std::filesystem::create_directories(paths.upper / std::filesystem::path(directory).relative_path());
    }
}

asio::awaitable<void> SandboxBackend::prepare_node(const MachineSpec& spec, std::filesystem::path node_dir) {
    const auto paths = sandbox_paths(node_dir);
    co_await run_in_worker([&] { make_sandbox_directories(paths); });
    // The overlay's first mount on a new upper layer took 1-2.5 ms, the next ones 0.3-0.5 ms
    // (measured here): mounted once now, in a mount namespace that ends at once, the first start
    // pays no more than the others. A failure here only leaves that cost to the first start,
    // which reports any real problem with the layers.
    try {
        co_await must_run(children_, {"unshare", "--mount", "--propagation", "private", "mount", "-t", "overlay", "overlay", "-o",
                                      overlay_mount_options(spec.image_rootfs, paths.upper, paths.work), paths.root.string()});
    } catch (const std::exception& error) {
        log::debug("node {}: mounting its overlay ahead failed: {}", spec.hostname, error.what());
    }
}

SandboxPaths sandbox_paths(const std::filesystem::path& node_dir) {
    return {node_dir / "rootfs/upper", node_dir / "rootfs/work", node_dir / "rootfs/root", node_dir / "channel",
            node_dir / "state",        node_dir / "data",        node_dir / "console.log"};
}

std::unique_ptr<Machine> SandboxBackend::make(const MachineSpec& spec) {
    return std::make_unique<SandboxMachine>(children_, spawner_, spec, load_);
}

std::shared_ptr<void> SandboxBackend::begin_load() {
    auto load = std::make_shared<SandboxLoad>();
    load_ = load;
    return load;
}

const ProcessRoots& SandboxLoad::processes() {
    if (!processes_) processes_ = ProcessRoots::read();
    return *processes_;
}

}  // namespace bv::machine
