// The control plane, measured in one run against the reference control plane (bv-api):
//   - command latency: `bv-api node start` issued until the host acked it, and until it
//     completed, beside a plain `bv node start` of the same node;
//   - many hosts (each its own bvd and root) on one bv-api: all connected, one command to
//     each completed, then bv-api killed and started again: the time until every host is back,
//     and the spread of their reconnects (the full jitter at work);
//   - bvd's memory with the control plane connected.
//
// Usage: fleet_bench [hosts]   (scripts/bench runs it)

#include <fmt/format.h>
#include <signal.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>

#include "support/api_under_test.hpp"
#include "support/host_under_test.hpp"
#include "support/bench_stats.hpp"
#include "support/process.hpp"
#include "support/test_images.hpp"

namespace {

using namespace bv;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test::milliseconds_since;
using test::percentile;
namespace json = boost::json;

std::string must(const test::ProcessResult& result, const std::string& what) {
    if (result.exit_code != 0) throw std::runtime_error(what + " failed: " + result.err);
    return result.out;
}

json::array admin_list(const test::ApiUnderTest& api, const std::string& what) {
    return json::parse(must(api.admin({what, "--json"}), "bv-api " + what)).as_object().at(what).as_array();
}

std::int64_t number(const json::value& value) {
    return value.is_string() ? std::stoll(std::string(value.as_string())) : value.to_number<std::int64_t>();
}

// Waits until `condition` holds (checking every 50 ms); throws after `timeout`.
template <class Condition>
void wait_for(Condition condition, std::chrono::milliseconds timeout, const std::string& what) {
    if (!test::eventually(condition, timeout)) throw std::runtime_error("timed out waiting for " + what);
}

std::size_t connected_hosts(const test::ApiUnderTest& api) {
    const auto hosts = admin_list(api, "hosts");
    return static_cast<std::size_t>(std::ranges::count_if(hosts, [](const json::value& host) {
        const auto& fields = host.as_object();
        return fields.contains("openStreams") && number(fields.at("openStreams")) > 0;
    }));
}

void provision(test::HostUnderTest& host, const test::ApiUnderTest& api) {
    must(host.bv({"init", api.otp(), "--api", api.url(), "--ca", api.ca().string(), "--yes"}), "bv init");
}

}  // namespace

int main(int argc, char** argv) {
    const int host_count = argc > 1 ? std::atoi(argv[1]) : 50;
    test::ApiUnderTest api({"--heartbeat-ms", "1000"});
    const auto image = json::parse(must(api.admin({"image", "add", test::test_image("dummy").string(), "--json"}), "image add"))
                           .at("image").at("name").as_string();

    // ---- command latency on one host ------------------------------------------------------
    test::HostUnderTest host;
    provision(host, api);
    wait_for([&] { return connected_hosts(api) == 1; }, 20s, "the first host");
    const auto host_id = std::string(admin_list(api, "hosts").at(0).at("id").as_string());
    must(api.admin({"node", "create", host_id, std::string(image), "--name", "bench"}), "node create");
    wait_for([&] { return host.bv({"node", "info", "bench"}).exit_code == 0; }, 60s, "the node's create");
    std::vector<double> acked, completed, local_starts;
    for (int i = 0; i < 20; ++i) {
        must(host.bv({"node", "stop", "bench"}), "bv node stop");
        must(api.admin({"node", "start", "bench"}), "bv-api node start");
        const auto commands = admin_list(api, "commands");
        const auto id = std::string(commands.back().at("command").at("id").as_string());
        json::object record;
        wait_for(
            [&] {
                for (const auto& entry : admin_list(api, "commands")) {
                    if (entry.at("command").at("id").as_string() != id) continue;
                    record = entry.as_object();
                    return record.at("state").as_string() == "COMMAND_STATE_COMPLETED";
                }
                return false;
            },
            30s, "a start command");
        const auto issued = number(record.at("command").at("issuedAtMs"));
        acked.push_back(static_cast<double>(number(record.at("ackedAtMs")) - issued));
        completed.push_back(static_cast<double>(number(record.at("completedAtMs")) - issued));
        must(host.bv({"node", "stop", "bench"}), "bv node stop");
        const auto start = Clock::now();
        must(host.bv({"node", "start", "bench"}), "bv node start");
        local_starts.push_back(milliseconds_since(start));
    }
    fmt::print("command latency over 20 starts: issued -> acked p50 {:.0f} ms (p90 {:.0f} ms)   (goal: under 20 ms)\n",
               percentile(acked, 0.5), percentile(acked, 0.9));
    fmt::print("  issued -> completed p50 {:.0f} ms; a plain 'bv node start' of the same node: p50 {:.1f} ms\n",
               percentile(completed, 0.5), percentile(local_starts, 0.5));
    fmt::print("bvd with the control plane connected and one node: {}\n", test::memory_report(host.daemon().pid()));

    // ---- many hosts on one control plane ------------------------------------------------------
    std::vector<std::unique_ptr<test::HostUnderTest>> fleet;
    auto started = Clock::now();
    for (int i = 1; i < host_count; ++i) {
        fleet.push_back(std::make_unique<test::HostUnderTest>());
        provision(*fleet.back(), api);
    }
    wait_for([&] { return connected_hosts(api) == static_cast<std::size_t>(host_count); }, 120s, "every host to connect");
    fmt::print("{} hosts (one bvd each) provisioned and connected in {:.1f} s\n", host_count, milliseconds_since(started) / 1000);

    started = Clock::now();
    const auto hosts = admin_list(api, "hosts");
    for (const auto& entry : hosts) {
        must(api.admin({"node", "create", std::string(entry.at("id").as_string()), std::string(image), "--name",
                        "n-" + std::string(entry.at("id").as_string()).substr(0, 8)}),
             "node create");
    }
    wait_for(
        [&] {
            const auto commands = admin_list(api, "commands");
            return std::ranges::count_if(commands, [](const json::value& entry) {
                       return entry.at("state").as_string() == "COMMAND_STATE_COMPLETED";
                   }) == static_cast<std::ptrdiff_t>(commands.size());
        },
        180s, "a create on every host");
    fmt::print("one create command to each of {} hosts: all completed in {:.1f} s (each host downloads the image)\n",
               host_count, milliseconds_since(started) / 1000);

    api.kill_hard();
    started = Clock::now();
    api.start({"--heartbeat-ms", "1000"});
    const auto restarted_at_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    wait_for([&] { return connected_hosts(api) == static_cast<std::size_t>(host_count); }, 120s, "every host to reconnect");
    const auto back_ms = milliseconds_since(started);
    std::vector<double> reconnects;
    for (const auto& entry : admin_list(api, "hosts")) {
        reconnects.push_back(static_cast<double>(number(entry.at("statusAtMs")) - restarted_at_ms));
    }
    fmt::print("bv-api killed and started again: all {} hosts back in {:.1f} s; their reconnects spread from {:.1f} s "
               "to {:.1f} s after the restart (p50 {:.1f} s)\n",
               host_count, back_ms / 1000, percentile(reconnects, 0) / 1000, percentile(reconnects, 1) / 1000,
               percentile(reconnects, 0.5) / 1000);
    return 0;
}
