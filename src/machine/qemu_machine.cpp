#include "machine/qemu_machine.hpp"

#include <signal.h>

#include <chrono>
#include <fstream>

#include "common/async.hpp"
#include "common/files.hpp"
#include "common/log.hpp"
#include "common/process_identity.hpp"
#include "machine/bridge_network.hpp"
#include "machine/machine_process.hpp"
#include "machine/qemu_command.hpp"
#include "machine/qmp_client.hpp"
#include "machine/vm_disks.hpp"
#include "machine/vm_network.hpp"

namespace bv::machine {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class QemuMachine : public ProcessMachine {
public:
    QemuMachine(ChildProcesses& children, fs::path qemu, MachineSpec spec)
        : ProcessMachine(children.executor()),
          children_(children),
          qemu_(std::move(qemu)),
          spec_(std::move(spec)),
          paths_(vm_paths(spec_.node_dir)) {}

    asio::awaitable<void> start() override {
        if (running()) co_return;
        co_await prepare_vm_start(children_, spec_, {{paths_.qmp_socket, paths_.pid_file}, paths_.console_log, paths_.initramfs});
        try {
            const auto link = channel_link_addresses(spec_.vm.channel_link);
            co_await create_tap(children_, {channel_tap_name(spec_.node_id), "", "", link.host + "/30", link.guest,
                                            channel_mac(spec_.vm.channel_link)});
            if (spec_.network == NetworkMode::bridge) {
                co_await create_tap(children_, {spec_.vm.tap, spec_.bridge, spec_.gateway, "", "", ""});
            }
            co_await launch();
        } catch (...) {
            kill();
            throw;
        }
    }

    asio::awaitable<bool> clean_up() override {
        // A VMM left by a bvd that died between starting it and recording it.
        const bool unrecorded =
            !running() && kill_unrecorded_process(paths_.pid_file, std::string("bv-") + spec_.node_id, "QEMU", spec_.hostname);
        for (const auto& tap : {channel_tap_name(spec_.node_id), spec_.vm.tap}) {
            try {
                co_await detach_from_bridge(children_, tap);
            } catch (const std::exception& error) {
                // A tap left behind is replaced at the node's next start.
                log::warn("node {}: removing tap {} failed: {}", spec_.hostname, tap, error.what());
            }
        }
        co_return unrecorded;
    }

    rpc::Endpoint channel(std::uint32_t port) const override {
        return rpc::tcp_endpoint(channel_link_addresses(spec_.vm.channel_link).guest, static_cast<std::uint16_t>(port));
    }

private:
    // With -daemonize, QEMU's first process exits once the VM is set up and its QMP socket
    // listens; its stderr says why when it could not.
    asio::awaitable<void> launch() {
        const bool kvm = spec_.vm.accelerator == Accelerator::kvm ||
                         (spec_.vm.accelerator == Accelerator::automatic && kvm_usable());
        SpawnOptions options;
        options.argv = qemu_command(qemu_.string(), spec_, {kvm, kvm ? 0 : host_tsc_khz()});
        options.environment = current_environment();
        const auto result = co_await run_command(children_, std::move(options), 20s, 1 << 16);
        if (result.timed_out || !result.status || !result.status->success()) {
            throw std::runtime_error("QEMU did not start the VM of node " + spec_.hostname + " (" +
                                     (result.timed_out ? "no answer in 20 s" : result.status->describe()) + "): " + result.err);
        }
        const auto pid = std::stoi(read_file(paths_.pid_file));
        if (!attach({pid, process_start_time(pid).value_or(0)})) {
            throw std::runtime_error("QEMU of node " + spec_.hostname + " exited right after it started (see " +
                                     paths_.console_log.string() + ")");
        }
        auto qmp = co_await QmpClient::connect(paths_.qmp_socket);
        const auto status = co_await qmp.status();
        if (status != "running") throw std::runtime_error("QEMU of node " + spec_.hostname + " is " + status + ", not running");
        log::info("node {}: QEMU {} runs its VM ({})", spec_.hostname, pid, kvm ? "KVM" : "TCG");
    }

    ChildProcesses& children_;
    fs::path qemu_;
    MachineSpec spec_;
    VmPaths paths_;
};

}  // namespace

std::unique_ptr<Machine> QemuBackend::make(const MachineSpec& spec) {
    return std::make_unique<QemuMachine>(children_, find_program(binary_), spec);
}

}  // namespace bv::machine
