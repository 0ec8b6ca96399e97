#include <fmt/format.h>

#include "blockvisor/v1/host.pb.h"
#include "blockvisor/v1/host_metrics.pb.h"
#include "cli/commands.hpp"
#include "cli/output.hpp"

namespace bv::cli {
namespace {

namespace v1 = blockvisor::v1;

asio::awaitable<void> show_status(const CliContext& context, rpc::ConnectClient& client) {
    const auto health = co_await client.call<v1::HealthResponse>("blockvisor.v1.HostService/Health",
                                                                  v1::HealthRequest(), context.timeout);
    const auto info = co_await client.call<v1::InfoResponse>("blockvisor.v1.HostService/Info", v1::InfoRequest(),
                                                             context.timeout);
    if (context.json) {
        print_json(health);
        co_return;
    }
    fmt::print("bvd is running: blockvisor {}, up {}, root {}, socket {}\n", health.version(),
               format_duration(info.uptime_seconds()), info.root(), context.socket_path().string());
}

asio::awaitable<void> show_host_info(const CliContext& context, rpc::ConnectClient& client) {
    const auto info = co_await client.call<v1::InfoResponse>("blockvisor.v1.HostService/Info", v1::InfoRequest(),
                                                             context.timeout);
    if (context.json) {
        print_json(info);
        co_return;
    }
    print_fields({
        {"hostname", info.hostname()},
        {"host id", info.host_id().empty() ? "(not provisioned)" : info.host_id()},
        {"version", info.version()},
        {"bvd uptime", format_duration(info.uptime_seconds())},
        {"host uptime", format_duration(info.host_uptime_seconds())},
        {"kernel", info.kernel()},
        {"backend", info.backend()},
        {"cpus", std::to_string(info.cpu_count())},
        {"load (1m)", fmt::format("{:.2f}", info.load_average_1m())},
        {"memory", fmt::format("{} available of {}", format_bytes(info.memory_available_bytes()),
                               format_bytes(info.memory_total_bytes()))},
        {"disk", fmt::format("{} available of {}", format_bytes(info.disk_available_bytes()),
                             format_bytes(info.disk_total_bytes()))},
        {"root", info.root()},
    });
}

asio::awaitable<void> show_host_metrics(const CliContext& context, rpc::ConnectClient& client) {
    const auto metrics = co_await client.call<v1::HostMetrics>("blockvisor.v1.MetricsService/Host",
                                                               v1::HostMetricsRequest(), context.timeout);
    print_message(context.json, metrics, [](const v1::HostMetrics& host) {
        print_fields({
            {"cpus", std::to_string(host.cpu_count())},
            {"cpu used", fmt::format("{:.1f}%", host.cpu_used_percent())},
            {"load (1m)", fmt::format("{:.2f}", host.load_average_1m())},
            {"memory", fmt::format("{} available of {}", format_bytes(host.memory_available_bytes()),
                                   format_bytes(host.memory_total_bytes()))},
            {"disk", fmt::format("{} available of {}", format_bytes(host.disk_available_bytes()),
                                 format_bytes(host.disk_total_bytes()))},
            {"host uptime", format_duration(host.uptime_seconds())},
            {"nodes", fmt::format("{} ({} running)", host.nodes(), host.running_nodes())},
        });
    });
}

}  // namespace

void add_host_commands(CLI::App& app, CliContext& context, Action& action) {
    add_daemon_command(app, "status", "Is bvd running? Its version and uptime", context, action,
                       [&context](auto& client) { return show_status(context, client); });
    auto* host = app.add_subcommand("host", "This host");
    host->require_subcommand(1);
    add_daemon_command(*host, "info", "Hardware, resources, version, backend", context, action,
                       [&context](auto& client) { return show_host_info(context, client); });
    add_daemon_command(*host, "metrics", "CPU, memory and disk use, load, nodes (as bvd last sampled them)",
                       context, action, [&context](auto& client) { return show_host_metrics(context, client); });
    add_control_plane_commands(app, *host, context, action);
}

}  // namespace bv::cli
