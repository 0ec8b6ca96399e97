#pragma once

// What bvd tells a VM's init on the kernel command line (the guest has no other source before
// its node channel is up): the node's name and its two links, each found by its MAC.

#include <optional>
#include <string>
#include <string_view>

namespace bv::babel {

struct GuestLink {
    std::string mac;      // lower case, aa:bb:cc:dd:ee:ff
    std::string address;  // CIDR, e.g. 10.20.0.5/24
    std::string gateway;  // empty: no default route through it
};

struct VmBootConfig {
    std::string hostname;
    std::optional<GuestLink> public_link;  // bv.net=MAC,CIDR[,GATEWAY]
    // bv.channel=MAC,CIDR: the node channel on a private point-to-point link (TCP on its
    // address). Absent: the channel is vsock (Firecracker).
    std::optional<GuestLink> channel_link;
    // bv.image=NAME: the node's image (protocol/type/version). The node's changes to its root
    // live on the data disk over that image's os.img only; another image (an upgrade) drops them.
    std::string image;
};

// Parses /proc/cmdline. Throws std::invalid_argument naming the parameter that is missing or
// malformed.
VmBootConfig parse_vm_boot_config(std::string_view command_line);

// The parameters the command line gives module `module` ("virtio_mmio.device=..." ->
// "device=..."), space separated, for finit_module: the kernel leaves them to whoever loads the
// module (modprobe does this). A machine without ACPI (Firecracker before 1.8) announces its
// virtio-mmio devices so (virtio_mmio.device=, which needs a kernel built with
// VIRTIO_MMIO_CMDLINE_DEVICES: Debian's is not; it finds them through ACPI).
std::string module_parameters(std::string_view command_line, std::string_view module);

// The kernel command line parameters for `config` (bvd's side of the same format).
std::string vm_boot_parameters(const VmBootConfig& config);

}  // namespace bv::babel
