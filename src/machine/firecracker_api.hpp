#pragma once

// What bvd sends Firecracker's API (src/firecracker/swagger/firecracker.yaml in Firecracker's
// repository), as pure functions of the node's spec, so that tests read every body.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "machine/machine.hpp"

namespace bv::machine {

// The files of a Firecracker node in its directory.
struct FirecrackerPaths {
    std::filesystem::path api_socket;    // --api-sock
    std::filesystem::path vsock_socket;  // the vsock device's uds_path (host-initiated connections)
    std::filesystem::path pid_file;      // written by bvd once the VMM runs
    std::filesystem::path initramfs, console_log;
};
FirecrackerPaths firecracker_paths(const std::filesystem::path& node_dir);

// One API call: "PUT", "/drives/os", a JSON body (empty for none).
struct FirecrackerCall {
    std::string method;
    std::string path;
    std::string body;
    std::string describe() const { return method + " " + path; }
};

// The guest's CID on its vsock device: every VM has a device of its own, so one number serves all.
inline constexpr std::uint32_t kFirecrackerGuestCid = 3;

// The kernel command line: Firecracker's own recommendations for its devices (i8042 for
// SendCtrlAltDel, reboot=k), the node's name and public link; no bv.channel: in a Firecracker
// guest babel listens on vsock.
std::string firecracker_boot_args(const MachineSpec& spec);

// Every pre-boot call, in order (machine-config, boot-source, drives, network-interfaces,
// vsock), then InstanceStart. Sizes as the QEMU backend's.
std::vector<FirecrackerCall> firecracker_boot_calls(const MachineSpec& spec);
FirecrackerCall firecracker_action(std::string_view action_type);

// Why Firecracker refused `call`: its fault_message (the body itself when it is none).
std::string firecracker_fault(const FirecrackerCall& call, int status, std::string_view body);

}  // namespace bv::machine
