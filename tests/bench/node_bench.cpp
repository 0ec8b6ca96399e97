// Nodes on the sandbox backend, measured in one run, each beside its floor:
//   - start latency: NodeService/Start until babel answers Ping (dummy image: no chain start-up),
//     with 100 nodes and with all of them, beside `unshare --fork --pid --mount --uts --ipc
//     --mount-proc true` (the namespaces a sandbox needs, nothing else) timed at the same points
//   - `bv node list` with 100 nodes and with all of them, beside `bv --version` (a process of
//     the same binary that does nothing)
//   - `bv node run <node> height` against `litecoin-cli getblockcount` on the same node
//   - bvd's memory with all the nodes running
//   - `bv node stop --force` of 20 of them while all run, beside `bv --version`
//   - bvd's restart with all of them stopped, until `bv node list` answers
//   - babelsup's and babel's memory inside a running litecoin node
//
// Usage: node_bench [nodes]   (scripts/bench runs it with 1000)

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <csignal>

#include "blockvisor/v1/node.pb.h"
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

// Wall time of running a command once; fails loudly if it fails.
double time_once(const std::vector<std::string>& argv) {
    const auto start = Clock::now();
    const auto result = test::run(argv);
    const auto took = milliseconds_since(start);
    if (result.exit_code != 0) throw std::runtime_error(argv[0] + " failed: " + result.err);
    return took;
}

// Median wall time of running a command `times` times.
double time_command(const std::vector<std::string>& argv, int times) {
    std::vector<double> samples;
    for (int i = 0; i < times; ++i) samples.push_back(time_once(argv));
    return median(samples);
}

// Medians of `times` runs of `measured` and of `floor`, run by turns: this host's speed drifts
// from one second to the next, and by turns both see the same drift.
std::pair<double, double> time_beside_floor(const std::vector<std::string>& measured,
                                            const std::vector<std::string>& floor, int times) {
    std::vector<double> measured_samples, floor_samples;
    for (int i = 0; i < times; ++i) {
        floor_samples.push_back(time_once(floor));
        measured_samples.push_back(time_once(measured));
    }
    return {median(measured_samples), median(floor_samples)};
}

void must(const test::ProcessResult& result, const std::string& what) {
    if (result.exit_code != 0) throw std::runtime_error(what + " failed: " + result.err);
}

std::string verdict(bool met) { return met ? "met" : "MISSED"; }

// The figures taken when `nodes` nodes run.
struct Point {
    int nodes = 0;
    double start_median_ms = 0;  // of the last 100 starts
    double start_slowest_ms = 0;
    double unshare_ms = 0;
    double list_ms = 0;
    double version_ms = 0;
};

}  // namespace

int main(int argc, char** argv) {
    const int node_count = argc > 1 ? std::atoi(argv[1]) : 1000;
    test::HostUnderTest host;
    must(host.bv({"image", "import", test::test_image("dummy").string()}), "importing the dummy image");
    must(host.bv({"image", "import", test::test_image("litecoin").string()}), "importing the litecoin image");
    const auto socket = rpc::unix_endpoint(host.socket().string());
    const auto bv = test::binary("bv");
    const auto take_point = [&](int nodes, const std::vector<double>& starts) {
        const std::vector<double> recent(starts.end() - std::min<std::ptrdiff_t>(100, std::ssize(starts)), starts.end());
        const auto [list_ms, version_ms] =
            time_beside_floor({bv, "--root", host.root().string(), "node", "list"}, {bv, "--version"}, 100);
        return Point{nodes,
                     median(recent),
                     *std::max_element(starts.begin(), starts.end()),
                     time_command({"unshare", "--fork", "--pid", "--mount", "--uts", "--ipc", "--mount-proc", "true"}, 20),
                     list_ms,
                     version_ms};
    };

    std::vector<double> starts;
    std::vector<Point> points;
    for (int i = 0; i < node_count; ++i) {
        const auto name = "bench-" + std::to_string(i);
        must(host.bv({"node", "create", "dummy/sleeper/1.0.0", "--name", name}), "create");
        blockvisor::v1::NodeRef node;
        node.set_node(name);
        const auto start = Clock::now();
        test::call<blockvisor::v1::NodeInfo>(socket, "blockvisor.v1.NodeService/Start", node, 60s);
        starts.push_back(milliseconds_since(start));
        if (i + 1 == 100 || i + 1 == node_count) points.push_back(take_point(i + 1, starts));
    }
    const auto bvd_rss_kib = test::rss_kib(host.daemon().pid());
    const auto memory = test::memory_report(host.daemon().pid());
    // A forced stop's own work, with every other node running (what grows with the host's
    // processes shows here).
    std::vector<double> forced_stops;
    for (int i = 0; i < std::min(20, node_count); ++i) {
        const auto stop = Clock::now();
        must(host.bv({"node", "stop", "bench-" + std::to_string(i), "--force"}), "forced stop");
        forced_stops.push_back(milliseconds_since(stop));
    }
    must(host.bv({"node", "stop"}), "stopping the dummy nodes");
    // At its start, bvd looks for what an earlier bvd may have left of each machine it cannot
    // attach to: here, every node's.
    host.daemon().signal(SIGTERM);
    host.daemon().wait(60s);
    const auto processes_at_restart = test::all_processes().size();
    const auto restart = Clock::now();
    host.start_daemon();
    if (!test::eventually([&] { return host.bv({"node", "list"}).exit_code == 0; }, 120s)) {
        throw std::runtime_error("bvd did not list its nodes within 120 s of its restart");
    }
    const auto restart_ms = milliseconds_since(restart);
    const auto litecoin = std::string(boost::json::parse(host.bv({"image", "list", "--json"}).out)
                                          .at("images").as_array().at(1).at("name").as_string());
    must(host.bv({"node", "create", litecoin, "--name", "ltc"}), "create litecoin");
    must(host.bv({"node", "start", "ltc"}), "start litecoin");
    const auto run_ms = time_command({test::binary("bv"), "--root", host.root().string(), "node", "run", "ltc", "height"}, 20);
    const auto cli_ms = time_command({"litecoin-cli", "-regtest", "-rpcconnect=127.0.0.1", "-rpcport=19443", "-rpcuser=babel",
                                      "-rpcpassword=babel", "getblockcount"},
                                     20);

    // babelsup is the node's recorded PID; babel is its child named so.
    const pid_t babelsup = static_cast<pid_t>(
        boost::json::parse(host.bv({"node", "info", "ltc", "--json"}).out).at("pid").to_number<std::int64_t>());
    const auto processes = test::all_processes();
    const auto babel = std::find_if(processes.begin(), processes.end(), [&](const test::ProcessEntry& process) {
        return process.parent == babelsup && process.name == "babel";
    });
    if (babel == processes.end()) throw std::runtime_error("no babel process under the node's babelsup");
    const auto babelsup_memory = test::memory_report(babelsup);
    const auto babel_memory = test::memory_report(babel->pid);

    fmt::print("node start (Start call until babel answers Ping), dummy image, one after another; floor: unshare of "
               "the same namespaces, timed at the same point:\n");
    for (const auto& point : points) {
        const bool within = point.start_median_ms <= 4 * point.unshare_ms;
        fmt::print("  {:4} nodes: median of the last 100 {:.1f} ms, slowest so far {:.1f} ms; floor {:.1f} ms; ratio {:.1f}   "
                   "(goal: at most 4x the floor: {})\n",
                   point.nodes, point.start_median_ms, point.start_slowest_ms, point.unshare_ms,
                   point.start_median_ms / point.unshare_ms, verdict(within));
    }
    if (node_count >= 1000) {
        fmt::print("  slowest of {} starts: {:.1f} ms   (goal: under 50 ms at 1,000 nodes: {})\n", node_count,
                   points.back().start_slowest_ms, verdict(points.back().start_slowest_ms < 50));
    }
    fmt::print("bv node list, median of 100 runs; floor: bv --version, run by turns with it:\n");
    for (const auto& point : points) {
        const auto goal = point.nodes >= 1000 ? fmt::format("under 5 ms at 1,000 nodes: {}", verdict(point.list_ms < 5))
                                              : fmt::format("at most 1.3x the floor at 100 nodes: {}",
                                                            verdict(point.list_ms <= 1.3 * point.version_ms));
        fmt::print("  {:4} nodes: {:.2f} ms; floor {:.2f} ms; ratio {:.2f}   (goal: {})\n", point.nodes, point.list_ms,
                   point.version_ms, point.list_ms / point.version_ms, goal);
    }
    fmt::print("bvd memory with {} nodes running: {}   (goal: RSS under 30 MiB: {})\n", node_count, memory,
               verdict(bvd_rss_kib < 30 * 1024));
    fmt::print("bv node stop --force, {} nodes running: median of {} {:.1f} ms; floor bv --version {:.2f} ms\n",
               node_count, forced_stops.size(), median(forced_stops), points.back().version_ms);
    fmt::print("bvd restart with {} nodes stopped ({} processes on the host): {:.0f} ms until bv node list answers\n",
               node_count, processes_at_restart, restart_ms);
    fmt::print("bv node run ltc height: median {:.1f} ms; litecoin-cli getblockcount: median {:.1f} ms; ratio {:.2f}\n",
               run_ms, cli_ms, run_ms / cli_ms);
    fmt::print("in the litecoin node, babelsup: {}   (goal: RSS under 5 MiB, USS under 1.5 MiB)\n", babelsup_memory);
    fmt::print("in the litecoin node, babel   : {}   (goal: RSS under 5 MiB, USS under 1.5 MiB)\n", babel_memory);
    return 0;
}
