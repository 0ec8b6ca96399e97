#pragma once

#include <sys/types.h>

#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "machine/sandbox_launch.hpp"

namespace bv::machine {

// A small process, forked from bvd while bvd is small, that forks the launchers of bvd's
// sandboxes (sandbox_launch.hpp).
//
// A fork copies the page tables of the process that forks, and a launcher's exit tears its
// copy down. Forked from bvd itself, a start paid for bvd's whole address space three times
// (the launcher's fork, PID 1's fork from it, the launcher's exit), and bvd grows with its
// nodes: at 1,000 running nodes those three took 3.3 ms of a start's 10 (measured).
//
// It takes one start at a time: the layout, and the start's descriptors with it (SCM_RIGHTS
// over a SOCK_SEQPACKET socket pair, one message per start). bvd keeps the rest of the start:
// it reads PID 1's PID and the report from the pipes it made. The spawner exits when bvd's
// end of the socket closes (bvd exited or died); one that is gone is forked again at the next
// start (from bvd as it is then).
class SandboxSpawner {
public:
    // Forks the spawner: make it before bvd starts threads and grows.
    SandboxSpawner();
    ~SandboxSpawner();
    SandboxSpawner(const SandboxSpawner&) = delete;
    SandboxSpawner& operator=(const SandboxSpawner&) = delete;

    // Hands one start to the spawner, which forks its launcher with copies of `descriptors`
    // (the caller closes its own). Any thread. Throws std::system_error when the start cannot
    // be handed over, even to a spawner forked again.
    void spawn(const SandboxLayout& layout, const SandboxDescriptors& descriptors);

private:
    void fork_spawner();
    bool send(const std::string& request, const SandboxDescriptors& descriptors);

    std::mutex mutex_;
    int socket_ = -1;
    pid_t pid_ = -1;
};

// A start's layout as the spawner receives it: its fields in order, each ended by a NUL
// (neither paths nor host names hold one). nullopt for a message that is not one.
std::string encode_sandbox_layout(const SandboxLayout& layout);
std::optional<SandboxLayout> decode_sandbox_layout(std::string_view message);

}  // namespace bv::machine
