#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace bv::machine {

// What a sandbox is made of: babelsup as PID 1 of new mount, PID, UTS and IPC namespaces
// (and a network namespace when asked), chrooted into an overlay of the image's rootfs with
// the node's own writable layer.
struct SandboxLayout {
    std::filesystem::path image_rootfs;  // overlay lower layer, read only
    std::filesystem::path upper;         // the node's changes to its root filesystem
    std::filesystem::path work;          // overlayfs work directory
    std::filesystem::path root;          // where the overlay is mounted
    std::filesystem::path channel_dir;   // -> /run/blockvisor-channel
    std::filesystem::path state_dir;     // -> /var/lib/babel
    std::filesystem::path data_dir;      // -> /var/lib/blockvisor-data (babelsup mounts it for the chain)
    std::filesystem::path babelsup_binary;  // -> /usr/sbin/babelsup
    std::filesystem::path console_log;   // babelsup's stdout and stderr
    std::filesystem::path babelsup_socket;  // babelsup's port on the channel: made here, handed to it
    std::string hostname;
    bool own_network = false;
};

// Paths inside the sandbox.
inline constexpr const char* kSandboxChannelDir = "/run/blockvisor-channel";
inline constexpr const char* kSandboxStateDir = "/var/lib/babel";
inline constexpr const char* kSandboxDataVolume = "/var/lib/blockvisor-data";
inline constexpr const char* kSandboxBabelsup = "/usr/sbin/babelsup";

// The overlay mount's options for a root of these layers (lower read only).
std::string overlay_mount_options(const std::filesystem::path& lower, const std::filesystem::path& upper,
                                  const std::filesystem::path& work);

class SandboxSpawner;

// Starts the sandbox and returns the host PID of its PID 1 (babelsup). `spawner` forks it
// (sandbox_spawner.hpp says why not bvd itself). The sandbox is nobody's child there: it is
// re-parented to the nearest subreaper (bvd), so it outlives bvd.
// `before_exec(pid)` runs while PID 1 sets up its mounts, and PID 1 becomes babelsup only once
// it returned: what must hold for every process of the sandbox (its cgroups) is done there.
// The start waits for it (a cgroup move took 5-22 ms before bvd turned favordynmods on:
// machine/cgroup_moves.hpp).
// babelsup's listening socket is made before it runs, so that a call to it can be made at
// once and waits in the socket's queue. Throws std::system_error naming the step that failed
// (mounting the overlay, chroot...).
pid_t launch_sandbox(SandboxSpawner& spawner, const SandboxLayout& layout, const std::function<void(pid_t)>& before_exec);

// What one start hands the spawner besides its layout: the start's ends of its pipes and
// babelsup's listening socket (all close-on-exec).
struct SandboxDescriptors {
    int listen = -1;   // babelsup's listening socket
    int console = -1;  // babelsup's stdout and stderr
    int report = -1;   // a failed step goes here; EOF once babelsup is exec'ed
    int pid = -1;      // PID 1's host PID goes here
    int go = -1;       // PID 1 becomes babelsup at its EOF
};

// In a child of the spawner: enters the new namespaces, forks PID 1 there, reports its PID
// and exits. Never returns.
[[noreturn]] void run_sandbox_launcher(const SandboxLayout& layout, const SandboxDescriptors& descriptors);
// In the spawner, when it cannot fork the launcher: reports that as the start's failure.
void report_launcher_fork_failure(const SandboxDescriptors& descriptors);

}  // namespace bv::machine
