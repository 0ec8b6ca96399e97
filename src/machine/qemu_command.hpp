#pragma once

// QEMU's command line for a node, from what the backend decided: pure, so that tests read it.

#include <filesystem>
#include <string>
#include <vector>

#include "machine/machine.hpp"

namespace bv::machine {

// The files of a VM node in its directory.
struct VmPaths {
    std::filesystem::path initramfs, console_log, qmp_socket, pid_file;
};
VmPaths vm_paths(const std::filesystem::path& node_dir);

// The MAC of the channel link's guest end: 06:01 and the link number.
std::string channel_mac(std::uint32_t link);

// KVM when the CPU has vmx or svm (per /proc/cpuinfo's flags) and /dev/kvm opens; else TCG.
bool kvm_usable();

// The host's TSC rate, from /proc/cpuinfo's "cpu MHz"; 0 when unknown.
std::uint64_t host_tsc_khz();

// How the VM's CPU runs: under KVM, or under TCG, whose guest TSC ticks at the host's rate.
// A TCG guest on a busy host fails to calibrate its TSC against the PIT (the emulated PIT
// runs at the mercy of the host's scheduler), finds no other clock on a microvm, and hangs at
// boot without a timer; told the rate (tsc_early_khz), it skips the calibration.
struct Acceleration {
    bool kvm = false;
    std::uint64_t tsc_khz = 0;
};

// A QEMU microvm as both users describe it: the QEMU backend, and the Firecracker test double
// (tests/tools/firecracker_double), which boots what Firecracker's API configured.
struct MicrovmDisk {
    std::string id;
    std::filesystem::path file;
    bool read_only = false;
};
struct MicrovmNic {
    std::string id;
    std::string netdev;  // QEMU's -netdev options after "id=...": "tap,ifname=..." or "user,..."
    std::string mac;
};
struct MicrovmConfig {
    std::string binary;
    std::string machine = "microvm";  // -M, with its options
    std::string name;              // -name (how a leftover QEMU is recognised)
    Acceleration acceleration;
    std::uint32_t vcpus = 1;
    std::uint64_t memory_mb = 0;
    std::string console_chardev;   // -chardev options of the serial console, e.g. "file,path=...,append=on"
    std::filesystem::path kernel, initrd;
    std::string command_line;      // the kernel's; tsc_early_khz is added under TCG
    std::vector<MicrovmDisk> disks;
    std::vector<MicrovmNic> nics;
    std::vector<std::string> extra;  // QMP, -daemonize...
};
std::vector<std::string> microvm_command(const MicrovmConfig& config);

// Every VM gets this much memory on top of what its image asks for (see qemu_command.cpp).
inline constexpr std::uint64_t kGuestOverheadMb = 192;

// -M microvm: no PCI, no firmware, virtio over MMIO; the kernel boots through its PVH note.
// `-daemonize`: QEMU returns once the VM runs and its QMP socket listens (no waiting for
// either), and the VM is no child of bvd. 
std::vector<std::string> qemu_command(const std::string& qemu_binary, const MachineSpec& spec, Acceleration acceleration);

}  // namespace bv::machine
