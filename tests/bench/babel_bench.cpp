// Babel's overhead, measured in one run: Run(height) through babel against the same
// JSON-RPC call made directly to litecoind, and the memory of babel and babelsup. Beside
// them, what the overhead is made of: the round trip of a call that reaches no chain client
// (Ping), and the CPU that babel and the direct caller spend per call. The two calls are
// timed by turns.
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
#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
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

// Calls made of each kind before the timed ones, to warm up (not timed, but counted in the CPU).
constexpr int kWarmUpCalls = 20;

Stats stats_of(std::vector<double> samples) {
    std::sort(samples.begin(), samples.end());
    return {samples[samples.size() / 2], samples[samples.size() * 9 / 10]};
}

// Times `calls` sequential calls of each of `one_calls` on one io_context, by turns (one call
// of each, then again): two blocks one after the other would see this host's speed drift
// between them, and the difference of two medians would carry the drift.
template <class... OneCall>
std::array<Stats, sizeof...(OneCall)> measure(int calls, OneCall... one_calls) {
    asio::io_context io;
    std::array<std::vector<double>, sizeof...(OneCall)> samples;
    std::exception_ptr failure;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            const std::array<std::function<asio::awaitable<void>(asio::io_context&)>, sizeof...(OneCall)> turns{
                one_calls...};
            for (int i = 0; i < kWarmUpCalls + calls; ++i) {
                for (std::size_t turn = 0; turn < turns.size(); ++turn) {
                    const auto started = Clock::now();
                    co_await turns[turn](io);
                    const auto took = std::chrono::duration<double, std::micro>(Clock::now() - started).count();
                    if (i >= kWarmUpCalls) samples[turn].push_back(took);
                }
            }
        },
        [&](std::exception_ptr error) { failure = error; });
    io.run();
    if (failure) std::rethrow_exception(failure);
    std::array<Stats, sizeof...(OneCall)> stats;
    for (std::size_t turn = 0; turn < samples.size(); ++turn) stats[turn] = stats_of(std::move(samples[turn]));
    return stats;
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
    const auto babel_on = [&](asio::io_context& io) -> rpc::ConnectClient& {
        if (!babel) babel = std::make_unique<rpc::ConnectClient>(io.get_executor(), node.babel());
        return *babel;
    };
    const auto through_babel = [&](asio::io_context& io) -> asio::awaitable<void> {
        co_await babel_on(io).call<blockvisor::babel::v1::RunResponse>("blockvisor.babel.v1.Babel/Run", height, 10s);
    };
    // What babel itself sends (basic auth), over a kept-alive connection as babel's own.
    auto url = rpc::parse_http_url(fmt::format("http://127.0.0.1:{}/", port));
    std::unique_ptr<rpc::HttpClient> direct;
    const auto direct_call = [&](asio::io_context& io) -> asio::awaitable<void> {
        if (!direct) direct = std::make_unique<rpc::HttpClient>(io.get_executor(), url.endpoint, rpc::HttpClientOptions{});
        rpc::HttpRequest request;
        request.headers = {{"Content-Type", "application/json"}, {"Authorization", "Basic YmFiZWw6YmFiZWw="}};
        request.body = R"({"jsonrpc":"2.0","id":1,"method":"getblockcount"})";
        const auto response = co_await direct->request(std::move(request), 10s);
        if (response.status != 200) throw std::runtime_error("direct call failed: " + response.body);
    };
    // Each client is made on the io_context of the measure that uses it first.
    const auto forget_clients = [&] {
        babel.reset();
        direct.reset();
    };

    const auto babel_pid = node.status().babel_pid();
    const auto babel_cpu_before = cpu_ns_of(babel_pid);
    const auto [babel_run, direct_run] = measure(calls, through_babel, direct_call);
    // babel has no part in the direct calls.
    const auto babel_cpu_per_call_us = (cpu_ns_of(babel_pid) - babel_cpu_before) / (kWarmUpCalls + calls) / 1000;
    forget_clients();

    // The round trip to babel alone: a call that reaches no chain client.
    const auto babel_cpu_before_ping = cpu_ns_of(babel_pid);
    const auto [ping] = measure(calls, [&](asio::io_context& io) -> asio::awaitable<void> {
        co_await babel_on(io).call<blockvisor::babel::v1::PingResponse>("blockvisor.babel.v1.Babel/Ping",
                                                                        blockvisor::babel::v1::PingRequest{}, 10s);
    });
    const auto babel_cpu_per_ping_us = (cpu_ns_of(babel_pid) - babel_cpu_before_ping) / (kWarmUpCalls + calls) / 1000;
    forget_clients();

    // The direct caller's own CPU, in a block of direct calls alone.
    const auto own_cpu_before_direct = cpu_ns_of(::getpid());
    measure(calls, direct_call);
    const auto own_cpu_per_direct_us = (cpu_ns_of(::getpid()) - own_cpu_before_direct) / (kWarmUpCalls + calls) / 1000;
    const auto status = node.status();
    // The CPUs this bench, babel and litecoind may run on (they inherit it).
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    const auto cpus = ::sched_getaffinity(0, sizeof allowed, &allowed) == 0 ? CPU_COUNT(&allowed) : 0;
    fmt::print("babel Run(height) vs direct JSON-RPC getblockcount to litecoind, {} calls each, by turns, on {} CPU(s)\n",
               calls, cpus);
    fmt::print("  through babel : median {:8.1f} us   p90 {:8.1f} us\n", babel_run.median_us, babel_run.p90_us);
    fmt::print("  direct        : median {:8.1f} us   p90 {:8.1f} us\n", direct_run.median_us, direct_run.p90_us);
    fmt::print("  babel Ping    : median {:8.1f} us   p90 {:8.1f} us   (the round trip to babel alone)\n", ping.median_us,
               ping.p90_us);
    const auto overhead_us = babel_run.median_us - direct_run.median_us;
    const auto verdict = cpus == 1 ? std::string("one CPU: no goal, the goal is the whole machine's")
                                   : fmt::format("goal: under 50 us: {}", overhead_us < 50 ? "met" : "MISSED");
    fmt::print("  overhead      : median {:8.1f} us   ({})\n", overhead_us, verdict);
    fmt::print("  babel's own CPU per call: {:.1f} us (user and system, from the scheduler's count)\n",
               babel_cpu_per_call_us);
    fmt::print("  babel's own CPU per Ping: {:.1f} us; this bench's own CPU per direct call: {:.1f} us\n",
               babel_cpu_per_ping_us, own_cpu_per_direct_us);
    fmt::print("RSS babel    : {} (goal: under 8192 KiB)\n", test::memory_report(status.babel_pid()));
    fmt::print("RSS babelsup : {} (goal: under 8192 KiB)\n", test::memory_report(node.babelsup_process().pid()));
    return 0;
}
