// Nodes on the sandbox backend, measured in one run:
//   - start latency: NodeService/Start until babel answers Ping (dummy image: no chain start-up)
//   - `bv node list` with 100 nodes
//   - `bv node run <node> height` against `litecoin-cli getblockcount` on the same node
//   - bvd's memory with 100 nodes running
//   - babelsup's and babel's memory inside a running litecoin node
//
// Usage: node_bench [nodes]   (scripts/bench runs it)

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>

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

// Median wall time of running a command `times` times; fails loudly if it fails.
double time_command(const std::vector<std::string>& argv, int times) {
    std::vector<double> samples;
    for (int i = 0; i < times; ++i) {
        const auto start = Clock::now();
        const auto result = test::run(argv);
        samples.push_back(milliseconds_since(start));
        if (result.exit_code != 0) throw std::runtime_error(argv[0] + " failed: " + result.err);
    }
    return median(samples);
}

void must(const test::ProcessResult& result, const std::string& what) {
    if (result.exit_code != 0) throw std::runtime_error(what + " failed: " + result.err);
}

}  // namespace

int main(int argc, char** argv) {
    const int node_count = argc > 1 ? std::atoi(argv[1]) : 100;
    test::HostUnderTest host;
    must(host.bv({"image", "import", test::test_image("dummy").string()}), "importing the dummy image");
    must(host.bv({"image", "import", test::test_image("litecoin").string()}), "importing the litecoin image");
    const auto socket = rpc::unix_endpoint(host.socket().string());

    std::vector<double> starts;
    for (int i = 0; i < node_count; ++i) {
        const auto name = "bench-" + std::to_string(i);
        must(host.bv({"node", "create", "dummy/sleeper/1.0.0", "--name", name}), "create");
        blockvisor::v1::NodeRef node;
        node.set_node(name);
        const auto start = Clock::now();
        test::call<blockvisor::v1::NodeInfo>(socket, "blockvisor.v1.NodeService/Start", node, 60s);
        starts.push_back(milliseconds_since(start));
    }
    const auto list_ms = time_command({test::binary("bv"), "--root", host.root().string(), "node", "list"}, 20);
    const auto memory = test::memory_report(host.daemon().pid());

    must(host.bv({"node", "stop"}), "stopping the dummy nodes");
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

    fmt::print("node start (Start call until babel answers Ping), dummy image, {} nodes one after another:\n", node_count);
    fmt::print("  median {:.1f} ms, fastest {:.1f} ms, slowest {:.1f} ms   (goal: not slower than before the split, 29 ms median at 100 nodes)\n", median(starts),
               *std::min_element(starts.begin(), starts.end()), *std::max_element(starts.begin(), starts.end()));
    fmt::print("bv node list with {} nodes: median {:.1f} ms of 20 runs   (goal: under 10 ms)\n", node_count, list_ms);
    fmt::print("bvd memory with {} nodes running: {}   (goal: under 30 MiB)\n", node_count, memory);
    fmt::print("bv node run ltc height: median {:.1f} ms; litecoin-cli getblockcount: median {:.1f} ms; ratio {:.2f}\n",
               run_ms, cli_ms, run_ms / cli_ms);
    fmt::print("in the litecoin node, babelsup: {}   (goal: RSS under 5 MiB, USS under 1.5 MiB)\n", babelsup_memory);
    fmt::print("in the litecoin node, babel   : {}   (goal: RSS under 5 MiB, USS under 1.5 MiB)\n", babel_memory);
    return 0;
}
