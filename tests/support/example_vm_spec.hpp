#pragma once

// One VM node's MachineSpec with made-up paths, for the unit tests of what the VM backends
// build from it (QEMU's command line, Firecracker's requests).

#include "machine/machine.hpp"

namespace bv::test {

inline machine::MachineSpec example_vm_spec() {
    machine::MachineSpec spec;
    spec.node_id = "3f2a9c1e-1234-4abc-9def-0123456789ab";
    spec.hostname = "calm-river-7";
    spec.node_dir = "/nodes/3f2a9c1e";
    spec.mem_size_mb = 16;
    spec.vm.kernel = "/image/vm/vmlinux";
    spec.vm.os_image = "/image/vm/os.img";
    spec.vm.data_image = "/nodes/3f2a9c1e/data.img";
    return spec;
}

// The same node on the bridge, at 10.20.0.5 (its tap and the MAC made from that address).
inline machine::MachineSpec example_bridged_vm_spec() {
    auto spec = example_vm_spec();
    spec.network = machine::NetworkMode::bridge;
    spec.ip = "10.20.0.5";
    spec.gateway = "10.20.0.1";
    spec.vm.tap = "bvt3f2a9c1e1234";
    spec.vm.mac = "06:00:0a:14:00:05";
    return spec;
}

}  // namespace bv::test
