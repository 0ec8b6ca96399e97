#include "machine/firecracker_machine.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <optional>
#include <system_error>

#include "babel/node_channel.hpp"
#include "common/files.hpp"
#include "common/log.hpp"
#include "common/process_identity.hpp"
#include "machine/bridge_network.hpp"
#include "machine/firecracker_api.hpp"
#include "machine/machine_process.hpp"
#include "machine/vm_disks.hpp"
#include "rpc/error.hpp"
#include "rpc/http_client.hpp"

namespace bv::machine {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;


class FirecrackerMachine : public ProcessMachine {
public:
    FirecrackerMachine(ChildProcesses& children, fs::path firecracker, MachineSpec spec)
        : ProcessMachine(children.executor()),
          children_(children),
          firecracker_(std::move(firecracker)),
          spec_(std::move(spec)),
          paths_(firecracker_paths(spec_.node_dir)) {}

    asio::awaitable<void> start() override {
        if (running()) co_return;
        co_await prepare_vm_start(children_, spec_,
                                  {{paths_.api_socket, paths_.vsock_socket, paths_.pid_file}, paths_.console_log, paths_.initramfs});
        try {
            if (spec_.network == NetworkMode::bridge) {
                co_await create_tap(children_, {spec_.vm.tap, spec_.bridge, spec_.gateway, "", "", ""});
            }
            launch();
            co_await wait_for_api();
            const auto calls = firecracker_boot_calls(spec_);
            for (const auto& call : calls) co_await send(call);
            log::info("node {}: Firecracker {} runs its microVM", spec_.hostname, process_.location().pid);
        } catch (...) {
            kill();
            throw;
        }
    }

    // Ctrl+Alt+Del through the guest's i8042: its init (babelsup) gets SIGINT and stops as on
    // SIGTERM, then powers off. Best effort: a guest without a usable i8042 does not see it,
    // and babelsup's Shutdown call follows anyway.
    asio::awaitable<void> request_graceful_stop() override {
        if (!running()) co_return;
        try {
            co_await send(firecracker_action("SendCtrlAltDel"));
        } catch (const std::exception& error) {
            log::warn("node {}: {}", spec_.hostname, error.what());
        }
    }

    asio::awaitable<bool> clean_up() override {
        // A VMM left by a bvd that died between starting it and recording it.
        const bool unrecorded = !running() && kill_unrecorded_process(paths_.pid_file, paths_.api_socket.string(),
                                                                      "Firecracker", spec_.hostname);
        if (spec_.network != NetworkMode::bridge) co_return unrecorded;
        try {
            co_await detach_from_bridge(children_, spec_.vm.tap);
        } catch (const std::exception& error) {
            log::warn("node {}: removing tap {} failed: {}", spec_.hostname, spec_.vm.tap, error.what());
        }
        co_return unrecorded;
    }

    rpc::Endpoint channel(std::uint32_t port) const override {
        return babel::make_node_channel(babel::firecracker_vsock_spec(paths_.vsock_socket.string()))->endpoint(port);
    }

private:
    void launch() {
        // In a session of its own, its output appended to the console log, spawned without
        // copying bvd (two forks of bvd were most of its share of a start). bvd's child until bvd
        // exits, then the nearest subreaper's: it outlives bvd. Watched through its pidfd.
        SpawnOptions options;
        options.argv = {firecracker_.string(), "--api-sock", paths_.api_socket.string()};
        options.environment = current_environment();
        options.new_session = true;
        options.capture_output = false;
        options.output_file = paths_.console_log;
        const auto pid = children_.spawn(options).pid;
        children_.abandon(pid);
        if (!attach({pid, process_start_time(pid).value_or(0)})) {
            throw std::runtime_error("Firecracker of node " + spec_.hostname + " exited right after it started (see " +
                                     paths_.console_log.string() + ")");
        }
        write_file_atomically(paths_.pid_file, std::to_string(pid));
    }

    rpc::HttpClient& api() {
        if (!api_) api_.emplace(children_.executor(), rpc::unix_endpoint(paths_.api_socket.string()));
        return *api_;
    }

    // Until the VMM's API answers GET /: it binds its socket as it starts. Polls in short
    // steps (inotify would save a few ms of a start under KVM) and gives up when the VMM exits.
    asio::awaitable<void> wait_for_api() {
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        asio::steady_timer pause(co_await asio::this_coro::executor);
        for (;;) {
            bool answered = false;
            try {
                const auto response = co_await api().request({"GET", "/", {{"Accept", "application/json"}}, ""}, 2s);
                answered = response.status == 200;
            } catch (const rpc::Error&) {
                // Not listening yet.
            }
            if (answered) co_return;
            if (!running()) {
                throw std::runtime_error("Firecracker ('" + firecracker_.string() + "') of node " + spec_.hostname +
                                         " exited before its API answered (see " + paths_.console_log.string() + ")");
            }
            if (std::chrono::steady_clock::now() > deadline) {
                throw std::runtime_error("Firecracker of node " + spec_.hostname + " did not answer on " +
                                         paths_.api_socket.string() + " within 10 s");
            }
            pause.expires_after(2ms);
            co_await pause.async_wait(asio::use_awaitable);
        }
    }

    asio::awaitable<void> send(const FirecrackerCall& call) {
        rpc::HttpRequest request{call.method, call.path, {{"Accept", "application/json"}}, call.body};
        if (!call.body.empty()) request.headers.push_back({"Content-Type", "application/json"});
        // InstanceStart returns once the guest runs; a VMM under emulation takes its time.
        const auto response = co_await api().request(std::move(request), 30s);
        if (response.status / 100 != 2) throw std::runtime_error(firecracker_fault(call, response.status, response.body));
    }

    ChildProcesses& children_;
    fs::path firecracker_;
    MachineSpec spec_;
    FirecrackerPaths paths_;
    std::optional<rpc::HttpClient> api_;
};

}  // namespace

std::unique_ptr<Machine> FirecrackerBackend::make(const MachineSpec& spec) {
    return std::make_unique<FirecrackerMachine>(children_, find_program(binary_), spec);
}

}  // namespace bv::machine
