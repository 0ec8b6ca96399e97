// VM nodes on the QEMU backend, measured in one run (TCG here):
//   - a bare kernel boot: the image's vmlinux with a busybox-only initramfs whose init powers
//     off at once, QEMU started until it exits: the floor no VM start can go below
//   - a VM node's start: NodeService/Start until babel answers Ping (the dummy image: no chain
//     start-up), each after a stop and right after a bare boot, and how far above that boot
//   - bvd's own share of a Firecracker start, with the Firecracker double (tests/tools): from the
//     Start call until InstanceStart reaches the VMM, less the VMM's own time (from its start
//     until its API socket listens, and its answers to the configuration calls): what is left
//     is bvd's: the initramfs, forking and executing the VMM, waiting for its API, the calls
//
// Usage: vm_bench [starts]   (scripts/bench runs it)

#include <fmt/format.h>
#include <sys/stat.h>

#include <signal.h>

#include <boost/json.hpp>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <sstream>

#include "blockvisor/v1/node.pb.h"
#include "common/files.hpp"
#include "machine/initramfs.hpp"
#include "machine/qemu_command.hpp"
#include "support/host_under_test.hpp"
#include "support/bench_stats.hpp"
#include "support/process.hpp"
#include "support/rpc_call.hpp"
#include "support/test_images.hpp"

namespace {

using namespace bv;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test::median;
using test::milliseconds_since;

void must(const test::ProcessResult& result, const std::string& what) {
    if (result.exit_code != 0) throw std::runtime_error(what + " failed: " + result.err);
}

// QEMU as the backend runs it (microvm, TCG, the same clock parameter), with nothing but
// busybox as init.
double bare_boot_ms(const std::filesystem::path& image, const std::filesystem::path& scratch) {
    const auto initramfs = scratch / "busybox.cpio";
    write_file_atomically(initramfs, machine::cpio_archive({{"bin", S_IFDIR | 0755, ""},
                                                           {"bin/busybox", S_IFREG | 0755, read_file("/bin/busybox")},
                                                           {"init", S_IFREG | 0755, "#!/bin/busybox sh\n/bin/busybox poweroff -f\n"}}));
    const auto start = Clock::now();
    must(test::run({"qemu-system-x86_64", "-M", "microvm", "-accel", "tcg", "-m", "256M", "-smp", "1", "-nodefaults",
                    "-no-user-config", "-nographic", "-no-reboot", "-serial", "null", "-kernel", (image / "vm/vmlinux").string(),
                    "-initrd", initramfs.string(), "-append",
                    "console=ttyS0 quiet panic=-1 tsc_early_khz=" + std::to_string(machine::host_tsc_khz())},
                   60s),
         "the bare boot");
    return milliseconds_since(start);
}

std::int64_t wall_clock_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// bvd's share of the first start the double recorded after `called_at_us`, the Start call's time.
double bvd_share_ms(const std::filesystem::path& record, std::int64_t called_at_us) {
    namespace json = boost::json;
    std::istringstream lines(read_file(record));
    std::int64_t vmm_us = 0, vmm_start_us = 0, instance_start_at = 0;
    for (std::string line; std::getline(lines, line);) {
        const auto request = json::parse(line).as_object();
        const auto at = request.at("at_us").to_number<std::int64_t>();
        if (at < called_at_us) continue;
        const auto started_at = request.at("started_at_us").to_number<std::int64_t>();
        vmm_start_us = request.at("listening_at_us").to_number<std::int64_t>() - started_at;
        if (std::getenv("BV_BENCH_TIMELINE")) {
            fmt::print("    +{:.1f} ms {} {} (VMM started +{:.1f} ms, listening after {:.1f} ms)\n", (at - called_at_us) / 1000.0,
                       request.at("method").as_string().c_str(), request.at("path").as_string().c_str(),
                       (started_at - called_at_us) / 1000.0, vmm_start_us / 1000.0);
        }
        const auto* body = request.if_contains("body");
        if (body && body->is_object() && body->as_object().contains("action_type") &&
            body->as_object().at("action_type") == "InstanceStart") {
            instance_start_at = at;
            break;
        }
        vmm_us += request.at("took_us").to_number<std::int64_t>();
    }
    if (instance_start_at == 0) throw std::runtime_error("no InstanceStart recorded in " + record.string());
    // The VMM's own start (until its API socket listens) is not bvd's; bvd's fork and exec are.
    return static_cast<double>(instance_start_at - called_at_us - vmm_us - vmm_start_us) / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
    const int runs = argc > 1 ? std::atoi(argv[1]) : 3;
    const auto image = test::test_vm_image("dummy");
    test::TempDir scratch("bv-vm-bench");
    std::vector<double> bare;

    test::HostUnderTest host;
    must(host.bv({"image", "import", image.string()}), "importing the dummy image");
    must(host.bv({"node", "create", "dummy/sleeper/1.0.0", "--name", "vm", "--backend", "qemu"}), "create");
    const auto socket = rpc::unix_endpoint(host.socket().string());
    std::vector<double> starts, above;
    for (int i = 0; i < runs; ++i) {
        // Each start right after its bare boot: this host's TCG speed drifts by hundreds of ms
        // between minutes, so a start is compared with the boot measured beside it.
        bare.push_back(bare_boot_ms(image, scratch.path()));
        blockvisor::v1::NodeRef node;
        node.set_node("vm");
        const auto start = Clock::now();
        test::call<blockvisor::v1::NodeInfo>(socket, "blockvisor.v1.NodeService/Start", node, 60s);
        starts.push_back(milliseconds_since(start));
        above.push_back(starts.back() - bare.back());
        must(host.bv({"node", "stop", "vm"}), "stop");
    }
    must(host.bv({"node", "delete", "vm"}), "delete");

    // Firecracker, with the double as the VMM.
    const auto record = scratch.path() / "firecracker-requests.jsonl";
    ::setenv("BV_FIRECRACKER_DOUBLE_RECORD", record.c_str(), 1);
    test::HostUnderTest firecracker_host;
    firecracker_host.daemon().signal(SIGTERM);
    firecracker_host.daemon().wait(15s);
    write_file_atomically(firecracker_host.root() / "etc/blockvisor/config.json",
                          std::string(R"({"firecracker_binary": ")") + BV_FIRECRACKER_DOUBLE + "\"}");
    firecracker_host.start_daemon();
    must(firecracker_host.bv({"image", "import", image.string()}), "importing the dummy image");
    must(firecracker_host.bv({"node", "create", "dummy/sleeper/1.0.0", "--name", "fc", "--backend", "firecracker"}), "create");
    const auto firecracker_socket = rpc::unix_endpoint(firecracker_host.socket().string());
    std::vector<double> shares;
    for (int i = 0; i < runs; ++i) {
        blockvisor::v1::NodeRef node;
        node.set_node("fc");
        const auto called_at = wall_clock_us();
        test::call<blockvisor::v1::NodeInfo>(firecracker_socket, "blockvisor.v1.NodeService/Start", node, 60s);
        shares.push_back(bvd_share_ms(record, called_at));
        must(firecracker_host.bv({"node", "stop", "fc"}), "stop");
    }
    must(firecracker_host.bv({"node", "delete", "fc"}), "delete");

    fmt::print("bare kernel boot (vmlinux, busybox init that powers off; QEMU microvm, TCG), {} runs:\n", runs);
    fmt::print("  median {:.0f} ms, fastest {:.0f} ms, slowest {:.0f} ms\n", median(bare),
               *std::min_element(bare.begin(), bare.end()), *std::max_element(bare.begin(), bare.end()));
    fmt::print("VM node start (Start call until babel answers Ping), dummy image, QEMU TCG, {} runs:\n", runs);
    fmt::print("  median {:.0f} ms, fastest {:.0f} ms, slowest {:.0f} ms\n", median(starts),
               *std::min_element(starts.begin(), starts.end()), *std::max_element(starts.begin(), starts.end()));
    fmt::print("  above the bare boot measured beside it: median {:.0f} ms, least {:.0f} ms, most {:.0f} ms   (goal: under 1000 ms)\n",
               median(above), *std::min_element(above.begin(), above.end()), *std::max_element(above.begin(), above.end()));
    fmt::print("bvd's share of a Firecracker start (Start call until InstanceStart, less the VMM's own time; the double), {} runs:\n",
               runs);
    fmt::print("  median {:.1f} ms, fastest {:.1f} ms, slowest {:.1f} ms   (goal: under 20 ms)\n", median(shares),
               *std::min_element(shares.begin(), shares.end()), *std::max_element(shares.begin(), shares.end()));
    return 0;
}
