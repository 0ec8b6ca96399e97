#pragma once

#include "babel/vm_boot_config.hpp"

namespace bv::babel {

// Where a VM guest's disks go (see docs/vm.md): the image's os.img becomes the root (read
// only, shared by every node of the image), the node's data.img holds babel's state and the
// chain's data.
inline constexpr const char* kGuestNodeDisk = "/var/lib/blockvisor-node";
inline constexpr const char* kGuestStateDir = "/var/lib/blockvisor-node/babel";
inline constexpr const char* kGuestDataDir = "/var/lib/blockvisor-node/data";
// The ext4 labels of the two disks (scripts/build-image and bvd set them).
inline constexpr const char* kOsDiskLabel = "bv-os";
inline constexpr const char* kDataDiskLabel = "bv-data";

// The first steps of babelsup as a VM's init, from the initramfs bvd made: mounts /dev, /proc
// and /sys, loads the modules in /lib/modules/order, mounts os.img (labelled bv-os) as the new root
// and data.img (bv-data) in it (with an overlay on the data disk over os.img), moves into it, sets the hostname and brings up loopback and
// the links the kernel command line names. Returns that configuration. Throws
// std::system_error or std::invalid_argument naming the step that failed.
VmBootConfig prepare_vm_guest();

}  // namespace bv::babel
