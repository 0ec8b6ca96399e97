#include "machine/bridge_network.hpp"

#include <chrono>
#include <stdexcept>
#include <vector>

namespace bv::machine {
namespace {

using namespace std::chrono_literals;

// Runs a command (ip, nsenter) to its end within `timeout`.
asio::awaitable<CommandResult> run_tool(ChildProcesses& children, std::vector<std::string> argv,
                                        std::chrono::milliseconds timeout = 10s) {
    SpawnOptions options;
    options.argv = std::move(argv);
    options.environment = current_environment();
    co_return co_await run_command(children, std::move(options), timeout, 4096);
}

}  // namespace

asio::awaitable<void> must_run(ChildProcesses& children, std::vector<std::string> argv, std::chrono::milliseconds timeout,
                               int highest_success) {
    std::string command;
    for (const auto& argument : argv) command += (command.empty() ? "" : " ") + argument;
    const auto result = co_await run_tool(children, std::move(argv), timeout);
    // code is -1 when a signal killed it.
    if (result.timed_out || result.status->code < 0 || result.status->code > highest_success) {
        const auto how = result.timed_out ? "did not finish in " + std::to_string(timeout.count() / 1000) + " s" : result.status->describe();
        throw std::runtime_error("'" + command + "' " + how + ": " + result.out + result.err);
    }
}

namespace {

std::string with_prefix(const std::string& address) {
    return address.find('/') == std::string::npos ? address + "/24" : address;
}

}  // namespace

std::string host_link_name(const std::string& node_id) {
    std::string compact;
    for (const char c : node_id) {
        if (c != '-') compact += c;
    }
    return "bv" + compact.substr(0, 12);
}

asio::awaitable<void> ensure_bridge(ChildProcesses& children, const std::string& bridge, const std::string& gateway) {
    const auto shown = co_await run_tool(children, {"ip", "link", "show", bridge});
    if (!shown.status || !shown.status->success()) {
        co_await must_run(children, {"ip", "link", "add", bridge, "type", "bridge"});
        co_await must_run(children, {"ip", "addr", "add", with_prefix(gateway), "dev", bridge});
        co_await must_run(children, {"ip", "link", "set", bridge, "up"});
    }
}

asio::awaitable<void> attach_to_bridge(ChildProcesses& children, pid_t pid, const BridgeAttachment& attachment) {
    co_await ensure_bridge(children, attachment.bridge, attachment.gateway);
    const auto peer = attachment.host_link + "p";
    const auto target = std::to_string(pid);
    co_await must_run(children, {"ip", "link", "add", attachment.host_link, "type", "veth", "peer", "name", peer});
    co_await must_run(children, {"ip", "link", "set", peer, "netns", target});
    co_await must_run(children, {"ip", "link", "set", attachment.host_link, "master", attachment.bridge, "up"});
    const std::vector<std::string> inside{"nsenter", "-t", target, "-n", "ip"};
    auto in_node = [&](std::vector<std::string> arguments) {
        auto argv = inside;
        argv.insert(argv.end(), arguments.begin(), arguments.end());
        return must_run(children, std::move(argv));
    };
    co_await in_node({"link", "set", "lo", "up"});
    co_await in_node({"link", "set", peer, "name", "eth0"});
    co_await in_node({"addr", "add", with_prefix(attachment.ip), "dev", "eth0"});
    co_await in_node({"link", "set", "eth0", "up"});
    if (!attachment.gateway.empty()) co_await in_node({"route", "add", "default", "via", attachment.gateway});
}

asio::awaitable<void> detach_from_bridge(ChildProcesses& children, std::string host_link) {
    co_await run_tool(children, {"ip", "link", "delete", host_link});
}

asio::awaitable<void> create_tap(ChildProcesses& children, const TapDevice& tap) {
    // One left by a crash is replaced: its settings may be another run's.
    co_await run_tool(children, {"ip", "link", "delete", tap.name});
    co_await must_run(children, {"ip", "tuntap", "add", "dev", tap.name, "mode", "tap"});
    if (!tap.bridge.empty()) {
        co_await ensure_bridge(children, tap.bridge, tap.gateway);
        co_await must_run(children, {"ip", "link", "set", tap.name, "master", tap.bridge});
    }
    if (!tap.address.empty()) co_await must_run(children, {"ip", "addr", "add", tap.address, "dev", tap.name});
    co_await must_run(children, {"ip", "link", "set", tap.name, "up"});
    if (!tap.peer_address.empty()) {
        co_await must_run(children, {"ip", "neigh", "replace", tap.peer_address, "lladdr", tap.peer_mac, "dev", tap.name,
                                     "nud", "permanent"});
    }
}

}  // namespace bv::machine
