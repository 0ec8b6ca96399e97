#include "machine/qemu_command.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <regex>

#include "babel/vm_boot_config.hpp"
#include "machine/vm_network.hpp"

namespace bv::machine {
namespace {

std::string with_prefix(const std::string& address) {
    return address.find('/') == std::string::npos ? address + "/24" : address;
}

babel::VmBootConfig boot_config(const MachineSpec& spec) {
    babel::VmBootConfig config;
    config.hostname = spec.hostname;
    config.image = spec.vm.image_name;
    config.channel_link = {channel_mac(spec.vm.channel_link), channel_link_addresses(spec.vm.channel_link).guest + "/30", ""};
    if (spec.network == NetworkMode::bridge) config.public_link = babel::GuestLink{spec.vm.mac, with_prefix(spec.ip), spec.gateway};
    return config;
}

}  // namespace

VmPaths vm_paths(const std::filesystem::path& node_dir) {
    return {node_dir / "initramfs.img", node_dir / "console.log", node_dir / "qmp.sock", node_dir / "qemu.pid"};
}

std::string channel_mac(std::uint32_t link) {
    char mac[18];
    std::snprintf(mac, sizeof mac, "06:01:%02x:%02x:%02x:%02x", (link >> 24) & 0xff, (link >> 16) & 0xff, (link >> 8) & 0xff,
                  link & 0xff);
    return mac;
}

bool kvm_usable() {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    bool virtualization = false;
    static const std::regex flag(R"(^flags\s*:.*\b(vmx|svm)\b)");
    while (std::getline(cpuinfo, line) && !virtualization) virtualization = std::regex_search(line, flag);
    if (!virtualization) return false;
    const int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) return false;
    ::close(fd);
    return true;
}

std::uint64_t host_tsc_khz() {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    static const std::regex speed(R"(^cpu MHz\s*:\s*([0-9.]+))");
    std::smatch match;
    while (std::getline(cpuinfo, line)) {
        if (std::regex_search(line, match, speed)) return static_cast<std::uint64_t>(std::stod(match[1].str()) * 1000);
    }
    return 0;
}

std::vector<std::string> microvm_command(const MicrovmConfig& config) {
    const bool kvm = config.acceleration.kvm;
    const auto clock =
        !kvm && config.acceleration.tsc_khz > 0 ? " tsc_early_khz=" + std::to_string(config.acceleration.tsc_khz) : "";
    // The clock goes before init's arguments ("--").
    auto command_line = config.command_line;
    const auto init_arguments = command_line.find(" -- ");
    command_line.insert(init_arguments == std::string::npos ? command_line.size() : init_arguments, clock);
    std::vector<std::string> argv{config.binary, "-name", config.name, "-M", config.machine, "-accel", kvm ? "kvm" : "tcg",
                                  "-cpu", kvm ? "host" : "qemu64", "-smp", std::to_string(config.vcpus), "-m",
                                  std::to_string(config.memory_mb) + "M", "-nodefaults", "-no-user-config",
                                  "-nographic", "-no-reboot", "-chardev", config.console_chardev + ",id=console",
                                  "-serial", "chardev:console", "-kernel", config.kernel.string(), "-initrd",
                                  config.initrd.string(), "-append", command_line};
    for (const auto& disk : config.disks) {
        argv.insert(argv.end(), {"-drive", "id=" + disk.id + ",file=" + disk.file.string() +
                                               ",format=raw,if=none,cache=none,aio=threads" +
                                               (disk.read_only ? ",readonly=on" : ""),
                                 "-device", "virtio-blk-device,drive=" + disk.id});
    }
    for (const auto& nic : config.nics) {
        argv.insert(argv.end(), {"-netdev", nic.netdev + ",id=" + nic.id, "-device",
                                 "virtio-net-device,netdev=" + nic.id + ",mac=" + nic.mac});
    }
    argv.insert(argv.end(), config.extra.begin(), config.extra.end());
    return argv;
}

std::vector<std::string> qemu_command(const std::string& qemu_binary, const MachineSpec& spec, Acceleration acceleration) {
    const auto paths = vm_paths(spec.node_dir);
    MicrovmConfig config;
    config.binary = qemu_binary;
    config.name = "bv-" + spec.node_id;
    config.acceleration = acceleration;
    config.vcpus = spec.vcpu_count == 0 ? 1u : spec.vcpu_count;
    // The guest's kernel, page cache and the initramfs (bv-node and the modules, kept in
    // memory) take ~100 MB before the node's own programs: an image's memory figure is what its
    // programs need (a sandbox's cgroup limit), so a VM gets at least this much more.
    config.memory_mb = spec.mem_size_mb + kGuestOverheadMb;
    // The console, appended across boots: the node's boot log.
    config.console_chardev = "file,path=" + paths.console_log.string() + ",append=on";
    config.kernel = spec.vm.kernel;
    config.initrd = paths.initramfs;
    config.command_line = "console=ttyS0 quiet panic=-1 " + babel::vm_boot_parameters(boot_config(spec)) + " -- babelsup --vm-init";
    config.disks = {{"os", spec.vm.os_image, true}, {"data", spec.vm.data_image, false}};
    const auto tap = [](const std::string& name) { return "tap,ifname=" + name + ",script=no,downscript=no"; };
    config.nics.push_back({"channel", tap(channel_tap_name(spec.node_id)), channel_mac(spec.vm.channel_link)});
    if (spec.network == NetworkMode::bridge) config.nics.push_back({"public", tap(spec.vm.tap), spec.vm.mac});
    config.extra = {"-qmp", "unix:" + paths.qmp_socket.string() + ",server=on,wait=off", "-daemonize", "-pidfile",
                    paths.pid_file.string()};
    return microvm_command(config);
}

}  // namespace bv::machine
