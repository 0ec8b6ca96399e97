#pragma once

#include <memory>
#include <optional>

#include "common/child_processes.hpp"
#include "machine/machine.hpp"
#include "machine/process_roots.hpp"
#include "machine/sandbox_spawner.hpp"

namespace bv::machine {

// Nodes as Linux-namespace sandboxes (see sandbox_launch.hpp): the embedded default backend,
// for any Linux host with root. The node channel is a Unix socket per port in the node's
// directory.
// What the machines made during bvd's load share: the host's processes, read at the first
// search for a sandbox that an earlier bvd may have left (a search each read all of them once
// per stopped node: at 1,000, a second's work at bvd's start).
class SandboxLoad {
public:
    const ProcessRoots& processes();

private:
    std::optional<ProcessRoots> processes_;
};

class SandboxBackend : public MachineBackend {
public:
    SandboxBackend(ChildProcesses& children, SandboxSpawner& spawner) : children_(children), spawner_(spawner) {}
    std::unique_ptr<Machine> make(const MachineSpec& spec) override;
    BackendKind kind() const override { return BackendKind::sandbox; }
    void check_node(const MachineSpec&) const override {}
    // A sandbox's disk is its directory: its directories are made ahead, off the start's path.
    asio::awaitable<void> prepare_node(const MachineSpec&, std::filesystem::path node_dir) override;
    std::shared_ptr<void> begin_load() override;

private:
    ChildProcesses& children_;
    SandboxSpawner& spawner_;
    std::weak_ptr<SandboxLoad> load_;  // while one is under way
};

// The parts of a node directory a sandbox uses.
struct SandboxPaths {
    std::filesystem::path upper, work, root, channel, state, data, console_log;
};
SandboxPaths sandbox_paths(const std::filesystem::path& node_dir);
void make_sandbox_directories(const SandboxPaths& paths);

}  // namespace bv::machine
