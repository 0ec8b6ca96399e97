// Babel's overhead, measured in one run: Run(height) through babel against the same
// JSON-RPC call made directly to litecoind, and the memory of babel and babelsup. Beside
// them, what the overhead is made of: the round trip of a call that reaches no chain client
// (Ping), and the CPU that babel and the direct caller spend per call.
//
// Run on one CPU (taskset -c 0), it shows what babel's own work costs without waking a
// process on another CPU, which in a virtual machine costs an exit to the hypervisor at every
// hop of a call (scripts/bench runs it both ways; the goal is for the whole machine).
//
// Usage: babel_bench [calls]   (scripts/bench runs it)

#include <fmt/format.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <vector>

#include "blockvisor/babel/v1/babel.pb.h"
#include "rpc/connect_client.hpp"
#include "rpc/endpoint.hpp"
#include "support/babel_node.hpp"
#include "support/host_under_test.hpp"
#include "support/rpc_call.hpp"

namespace {

using namespace bv;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace asio = boost::asio;

struct Stats {
    double median_us;
    double p90_us;
};

// CPU time `pid` has used, all its threads, in nanoseconds (the scheduler's own count, not
// clock ticks: a call is far below a tick).
double cpu_ns_of(pid_t pid) {
    double total = 0;
    for (const auto& task : std::filesystem::directory_iterator(fmt::format("/proc/{}/task", pid))) {
        std::ifstream schedstat(task.path() / "schedstat");
        double on_cpu_ns = 0;
        schedstat >> on_cpu_ns;
        total += on_cpu_ns;
    }
    return total;
}

Stats stats_of(std::vector<double> samples) {
    std::sort(samples.begin(), samples.end());
    return {samples[samples.size() / 2], samples[samples.size() * 9 / 10]};
}

// Times `calls` sequential calls of `one_call` on one io_context.
template <class OneCall>
Stats measure(int calls, OneCall one_call) {
    asio::io_context io;
    std::vector<double> samples;
    std::exception_ptr failure;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            for (int i = 0; i < calls + 20; ++i) {
                const auto started = Clock::now();
                co_await one_call(io);
                if (i >= 20) samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - started).count());
            }
        },
        [&](std::exception_ptr error) { failure = error; });
    io.run();
    if (failure) std::rethrow_exception(failure);
    return stats_of(samples);
}

}  // namespace

int main(int argc, char** argv) {
    const int calls = argc > 1 ? std::atoi(argv[1]) : 1000;
    const auto port = test::free_local_port();
    test::BabelNode node;
    std::filesystem::create_directories(node.dir() / "data");
    node.install_babel(test::node_binary());
    node.setup(test::litecoin_babel_toml(node.dir() / "data", port, node.dir() / "keys"));
    if (!test::eventually([&] {
            try {
                node.run("height");
                return true;
            } catch (const rpc::Error&) {
                return false;
            }
        }, 60s)) {
        fmt::print(stderr, "litecoind did not come up\n");
        return 1;
    }

    blockvisor::babel::v1::RunRequest height;
    height.set_method("height");
    std::unique_ptr<rpc::ConnectClient> babel;
    const auto babel_pid = node.status().babel_pid();
    const auto babel_cpu_before = cpu_ns_of(babel_pid);
    const auto through_babel = measure(calls, [&](asio::io_context& io) -> asio::awaitable<void> {
        if (!babel) babel = std::make_unique<rpc::ConnectClient>(io.get_executor(), node.babel());
        co_await babel->call<blockvisor::babel::v1::RunResponse>("blockvisor.babel.v1.Babel/Run", height, 10s);
    });
    // measure() makes 20 calls more, to warm up.
    const auto babel_cpu_per_call_us = (cpu_ns_of(babel_pid) - babel_cpu_before) / (calls + 20) / 1000;

    // The round trip to babel alone: a call that reaches no chain client.
    babel.reset();  // made on the io_context of the measure above
    const auto babel_cpu_before_ping = cpu_ns_of(babel_pid);
    const auto ping = measure(calls, [&](asio::io_context& io) -> asio::awaitable<void> {
        if (!babel) babel = std::make_unique<rpc::ConnectClient>(io.get_executor(), node.babel());
        co_await babel->call<blockvisor::babel::v1::PingResponse>("blockvisor.babel.v1.Babel/Ping",
                                                                  blockvisor::babel::v1::PingRequest{}, 10s);
    });
    const auto babel_cpu_per_ping_us = (cpu_ns_of(babel_pid) - babel_cpu_before_ping) / (calls + 20) / 1000;

    // What babel itself sends (basic auth), over a kept-alive connection as babel's own.
    auto url = rpc::parse_http_url(fmt::format("http://127.0.0.1:{}/", port));
    std::unique_ptr<rpc::HttpClient> direct;
    const auto own_cpu_before_direct = cpu_ns_of(::getpid());
    const auto direct_call = measure(calls, [&](asio::io_context& io) -> asio::awaitable<void> {
        if (!direct) direct = std::make_unique<rpc::HttpClient>(io.get_executor(), url.endpoint, rpc::HttpClientOptions{});
        rpc::HttpRequest request;
        request.headers = {{"Content-Type", "application/json"}, {"Authorization", "Basic YmFiZWw6YmFiZWw="}};
        request.body = R"({"jsonrpc":"2.0","id":1,"method":"getblockcount"})";
        const auto response = co_await direct->request(std::move(request), 10s);
        if (response.status != 200) throw std::runtime_error("direct call failed: " + response.body);
    });

    const auto own_cpu_per_direct_us = (cpu_ns_of(::getpid()) - own_cpu_before_direct) / (calls + 20) / 1000;
    const auto status = node.status();
    // The CPUs this bench, babel and litecoind may run on (they inherit it).
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    const auto cpus = ::sched_getaffinity(0, sizeof allowed, &allowed) == 0 ? CPU_COUNT(&allowed) : 0;
    fmt::print("babel Run(height) vs direct JSON-RPC getblockcount to litecoind, {} calls each, sequential, on {} CPU(s)\n",
               calls, cpus);
    fmt::print("  through babel : median {:8.1f} us   p90 {:8.1f} us\n", through_babel.median_us, through_babel.p90_us);
    fmt::print("  direct        : median {:8.1f} us   p90 {:8.1f} us\n", direct_call.median_us, direct_call.p90_us);
    fmt::print("  babel Ping    : median {:8.1f} us   p90 {:8.1f} us   (the round trip to babel alone)\n", ping.median_us,
               ping.p90_us);
    const auto overhead_us = through_babel.median_us - direct_call.median_us;
    if (cpus == 1) {
        fmt::print("  overhead      : median {:8.1f} us   (one CPU: no goal, the goal is the whole machine's)\n", overhead_us);
    } else {
        fmt::print("  overhead      : median {:8.1f} us   (goal: under 50 us: {})\n", overhead_us,
                   overhead_us < 50 ? "met" : "MISSED");
    }
    fmt::print("  babel's own CPU per call: {:.1f} us (user and system, from the scheduler's count)\n",
               babel_cpu_per_call_us);
    fmt::print("  babel's own CPU per Ping: {:.1f} us; this bench's own CPU per direct call: {:.1f} us\n",
               babel_cpu_per_ping_us, own_cpu_per_direct_us);
    fmt::print("RSS babel    : {} (goal: under 8192 KiB)\n", test::memory_report(status.babel_pid()));
    fmt::print("RSS babelsup : {} (goal: under 8192 KiB)\n", test::memory_report(node.babelsup_process().pid()));
    return 0;
}
