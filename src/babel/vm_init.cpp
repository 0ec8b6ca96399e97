#include "babel/vm_init.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/module.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>

#include "babel/vm_root_layer.hpp"

namespace bv::babel {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& step) { throw std::system_error(errno, std::generic_category(), step); }

std::chrono::milliseconds since_boot() {
    timespec now{};
    ::clock_gettime(CLOCK_BOOTTIME, &now);
    return std::chrono::milliseconds(now.tv_sec * 1000LL + now.tv_nsec / 1'000'000);
}

void mount_or_fail(const char* source, const char* target, const char* type, unsigned long flags, const char* data = nullptr) {
    ::mkdir(target, 0755);
    if (::mount(source, target, type, flags, data) != 0) fail(std::string("mounting ") + source + " at " + target);
}

void load_modules(const fs::path& directory, const std::string& command_line) {
    std::ifstream order(directory / "order");
    std::string name;
    while (std::getline(order, name)) {
        if (name.empty()) continue;
        const auto path = directory / name;
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) fail("opening module " + path.string());
        const auto parameters = module_parameters(command_line, fs::path(name).stem().string());
        const long loaded = ::syscall(SYS_finit_module, fd, parameters.c_str(), 0);
        const int error = errno;
        ::close(fd);
        // EEXIST: built into this kernel, or loaded already.
        if (loaded != 0 && error != EEXIST) {
            errno = error;
            fail("loading module " + name);
        }
    }
}

// The ext4 volume name: 16 bytes at offset 120 of the superblock, which starts at byte 1024.
std::string ext4_label(const fs::path& device) {
    std::ifstream disk(device, std::ios::binary);
    char label[17] = {};
    disk.seekg(1024 + 120);
    disk.read(label, 16);
    return disk ? std::string(label) : std::string();
}

// The disk labelled `label` among the virtio disks. Their order on the MMIO bus is QEMU's
// and Firecracker's business; the labels are build-image's and bvd's. A disk's device node
// appears once virtio-blk probed it and devtmpfs made it: polled, within a bound.
fs::path disk_labelled(const std::string& label) {
    using namespace std::chrono;
    const auto deadline = steady_clock::now() + seconds(10);
    for (;;) {
        for (const char letter : std::string("abcdefgh")) {
            const fs::path device = std::string("/dev/vd") + letter;
            if (fs::exists(device) && ext4_label(device) == label) return device;
        }
        if (steady_clock::now() > deadline) {
            errno = ENODEV;
            fail("finding the disk labelled " + label);
        }
        std::this_thread::sleep_for(milliseconds(5));
    }
}

// What switch_root does, without exec'ing anything: this process goes on in the new root.
// The initramfs stays in memory (a few MB), which is what keeps this binary's pages valid.
void enter_new_root(const char* new_root) {
    for (const char* moved : {"/dev", "/proc", "/sys"}) {
        const auto target = std::string(new_root) + moved;
        if (::mount(moved, target.c_str(), nullptr, MS_MOVE, nullptr) != 0) fail(std::string("moving ") + moved);
    }
    if (::chdir(new_root) != 0) fail("entering the new root");
    if (::mount(".", "/", nullptr, MS_MOVE, nullptr) != 0) fail("moving the new root to /");
    if (::chroot(".") != 0 || ::chdir("/") != 0) fail("changing root");
}

sockaddr_in inet_address(const std::string& address) {
    sockaddr_in result{};
    result.sin_family = AF_INET;
    if (::inet_pton(AF_INET, address.c_str(), &result.sin_addr) != 1) {
        throw std::invalid_argument("'" + address + "' is not an IPv4 address");
    }
    return result;
}

sockaddr_in prefix_mask(int prefix) {
    sockaddr_in result{};
    result.sin_family = AF_INET;
    result.sin_addr.s_addr = htonl(prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix));
    return result;
}

std::string interface_with_mac(const std::string& mac) {
    for (const auto& entry : fs::directory_iterator("/sys/class/net")) {
        std::ifstream file(entry.path() / "address");
        std::string address;
        std::getline(file, address);
        if (address == mac) return entry.path().filename().string();
    }
    throw std::invalid_argument("no network interface has MAC " + mac + " (is virtio_net loaded?)");
}

class InterfaceControl {
public:
    InterfaceControl() : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
        if (fd_ < 0) fail("opening a socket to configure interfaces");
    }
    ~InterfaceControl() { ::close(fd_); }

    void up(const std::string& name) {
        auto request = named(name);
        if (::ioctl(fd_, SIOCGIFFLAGS, &request) != 0) fail("reading the flags of " + name);
        request.ifr_flags |= IFF_UP;
        if (::ioctl(fd_, SIOCSIFFLAGS, &request) != 0) fail("bringing " + name + " up");
    }

    void set_address(const std::string& name, const std::string& cidr) {
        const auto slash = cidr.find('/');
        auto request = named(name);
        const auto address = inet_address(cidr.substr(0, slash));
        std::memcpy(&request.ifr_addr, &address, sizeof address);
        if (::ioctl(fd_, SIOCSIFADDR, &request) != 0) fail("setting address " + cidr + " on " + name);
        const auto mask = prefix_mask(slash == std::string::npos ? 24 : std::stoi(cidr.substr(slash + 1)));
        std::memcpy(&request.ifr_netmask, &mask, sizeof mask);
        if (::ioctl(fd_, SIOCSIFNETMASK, &request) != 0) fail("setting the netmask of " + name);
    }

    void add_default_route(const std::string& gateway) {
        rtentry route{};
        const auto any = inet_address("0.0.0.0");
        const auto via = inet_address(gateway);
        std::memcpy(&route.rt_dst, &any, sizeof any);
        std::memcpy(&route.rt_genmask, &any, sizeof any);
        std::memcpy(&route.rt_gateway, &via, sizeof via);
        route.rt_flags = RTF_UP | RTF_GATEWAY;
        if (::ioctl(fd_, SIOCADDRT, &route) != 0) fail("adding the default route via " + gateway);
    }

private:
    static ifreq named(const std::string& name) {
        ifreq request{};
        std::strncpy(request.ifr_name, name.c_str(), IFNAMSIZ - 1);
        return request;
    }

    int fd_;
};

void configure_link(InterfaceControl& control, const GuestLink& link) {
    const auto name = interface_with_mac(link.mac);
    control.set_address(name, link.address);
    control.up(name);
    if (!link.gateway.empty()) control.add_default_route(link.gateway);
}

std::string read_all(const char* path) {
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

}  // namespace

VmBootConfig prepare_vm_guest() {
    // Ctrl+Alt+Del (Firecracker's SendCtrlAltDel) becomes SIGINT to init, a graceful stop,
    // instead of an immediate reboot.
    ::reboot(RB_DISABLE_CAD);
    mount_or_fail("devtmpfs", "/dev", "devtmpfs", MS_NOSUID);
    mount_or_fail("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC);
    mount_or_fail("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC);
    const auto command_line = read_all("/proc/cmdline");
    const auto config = parse_vm_boot_config(command_line);
    const auto init_began = since_boot();
    load_modules("/lib/modules", command_line);
    const auto modules_loaded = since_boot();
    const auto os_disk = disk_labelled(kOsDiskLabel), data_disk = disk_labelled(kDataDiskLabel);
    // noload: the read-only image has no journal to replay (skipping it saves its reads).
    mount_or_fail(os_disk.c_str(), "/os", "ext4", MS_RDONLY, "noload");
    mount_or_fail(data_disk.c_str(), "/node", "ext4", MS_NOATIME);
    // Where a VM start's time goes (the kernel is quiet): on the console, the node's log.
    std::fprintf(stderr, "babelsup: init at %lld ms of boot; modules took %lld ms, disks %lld ms\n",
                 static_cast<long long>(init_began.count()), static_cast<long long>((modules_loaded - init_began).count()),
                 static_cast<long long>((since_boot() - modules_loaded).count()));
    // As in a sandbox: the image read only below, the node's own changes above it (on its
    // data disk, so they last across restarts); programs expect to write where they like
    // (litecoin-cli makes ~/.litecoin).
    prepare_root_layer("/node", config.image);
    mount_or_fail("overlay", "/newroot", "overlay", 0, "lowerdir=/os,upperdir=/node/root/upper,workdir=/node/root/work");
    const auto node_disk = std::string("/newroot") + kGuestNodeDisk;
    if (::mount("/node", node_disk.c_str(), nullptr, MS_BIND, nullptr) != 0) fail("mounting the data disk in the new root");
    enter_new_root("/newroot");
    // The root is read only: what programs write outside the data disk goes to memory.
    mount_or_fail("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
    mount_or_fail("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
    if (::sethostname(config.hostname.data(), config.hostname.size()) != 0) fail("setting the hostname");
    InterfaceControl control;
    control.up("lo");
    if (config.channel_link) configure_link(control, *config.channel_link);
    if (config.public_link) configure_link(control, *config.public_link);
    return config;
}

}  // namespace bv::babel
