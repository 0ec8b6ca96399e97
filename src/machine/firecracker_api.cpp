#include "machine/firecracker_api.hpp"

#include <boost/json.hpp>

#include "babel/vm_boot_config.hpp"
#include "machine/qemu_command.hpp"

namespace bv::machine {
namespace {

namespace json = boost::json;

FirecrackerCall put(std::string path, const json::object& body) { return {"PUT", std::move(path), json::serialize(body)}; }

std::string with_prefix(const std::string& address) {
    return address.find('/') == std::string::npos ? address + "/24" : address;
}

}  // namespace

FirecrackerPaths firecracker_paths(const std::filesystem::path& node_dir) {
    return {node_dir / "firecracker.sock", node_dir / "vsock.sock", node_dir / "firecracker.pid",
            node_dir / "initramfs.img", node_dir / "console.log"};
}

std::string firecracker_boot_args(const MachineSpec& spec) {
    babel::VmBootConfig config;
    config.hostname = spec.hostname;
    config.image = spec.vm.image_name;
    if (spec.network == NetworkMode::bridge) config.public_link = babel::GuestLink{spec.vm.mac, with_prefix(spec.ip), spec.gateway};
    return "console=ttyS0 reboot=k panic=1 pci=off i8042.noaux i8042.nomux i8042.nopnp i8042.dumbkbd quiet " +
           babel::vm_boot_parameters(config) + " -- babelsup --vm-init";
}

std::vector<FirecrackerCall> firecracker_boot_calls(const MachineSpec& spec) {
    const auto paths = firecracker_paths(spec.node_dir);
    std::vector<FirecrackerCall> calls;
    calls.push_back(put("/machine-config", {{"vcpu_count", spec.vcpu_count == 0 ? 1u : spec.vcpu_count},
                                            {"mem_size_mib", spec.mem_size_mb + kGuestOverheadMb}}));
    calls.push_back(put("/boot-source", {{"kernel_image_path", spec.vm.kernel.string()},
                                         {"initrd_path", paths.initramfs.string()},
                                         {"boot_args", firecracker_boot_args(spec)}}));
    // Neither is the root device: the guest's init (babelsup, from the initramfs) finds them by label.
    calls.push_back(put("/drives/os", {{"drive_id", "os"}, {"path_on_host", spec.vm.os_image.string()},
                                       {"is_root_device", false}, {"is_read_only", true}}));
    calls.push_back(put("/drives/data", {{"drive_id", "data"}, {"path_on_host", spec.vm.data_image.string()},
                                         {"is_root_device", false}, {"is_read_only", false}}));
    if (spec.network == NetworkMode::bridge) {
        calls.push_back(put("/network-interfaces/public",
                            {{"iface_id", "public"}, {"host_dev_name", spec.vm.tap}, {"guest_mac", spec.vm.mac}}));
    }
    calls.push_back(put("/vsock", {{"guest_cid", kFirecrackerGuestCid}, {"uds_path", paths.vsock_socket.string()}}));
    calls.push_back(firecracker_action("InstanceStart"));
    return calls;
}

FirecrackerCall firecracker_action(std::string_view action_type) { return put("/actions", {{"action_type", action_type}}); }

std::string firecracker_fault(const FirecrackerCall& call, int status, std::string_view body) {
    std::string fault(body);
    try {
        const auto parsed = json::parse(body);
        if (const auto* object = parsed.if_object()) {
            if (const auto* message = object->if_contains("fault_message"); message && message->is_string()) {
                fault = std::string(message->as_string());
            }
        }
    } catch (const std::exception&) {
        // Not JSON: the body as it is.
    }
    return "Firecracker refused " + call.describe() + " (HTTP " + std::to_string(status) + "): " + fault;
}

}  // namespace bv::machine
