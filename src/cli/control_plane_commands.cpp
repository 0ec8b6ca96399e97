// bv init and bv host status: this host and its control plane.
#include <unistd.h>

#include <fmt/format.h>

#include <iostream>

#include "blockvisor/v1/host.pb.h"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "rpc/error.hpp"

namespace bv::cli {
namespace {

namespace v1 = blockvisor::v1;

struct InitArguments {
    std::string otp;
    std::string api_url;
    std::string ca_file;
    bool yes = false;
    bool force = false;
};

// The operator's yes, read from the terminal (the CLI runs nothing else meanwhile).
bool confirmed(const std::string& question) {
    if (::isatty(STDIN_FILENO) == 0) {
        throw rpc::Error(rpc::Code::failed_precondition,
                         "not confirmed: standard input is not a terminal; run with --yes to provision without asking");
    }
    fmt::print("{} [y/N] ", question);
    std::fflush(stdout);
    std::string answer;
    std::getline(std::cin, answer);
    return answer == "y" || answer == "Y" || answer == "yes";
}

asio::awaitable<void> init_host(const CliContext& context, const InitArguments& arguments, rpc::ConnectClient& client) {
    const auto info = co_await client.call<v1::InfoResponse>("blockvisor.v1.HostService/Info", v1::InfoRequest(),
                                                             context.timeout);
    if (!arguments.yes) {
        print_fields({
            {"hostname", info.hostname()},
            {"version", info.version()},
            {"cpus", std::to_string(info.cpu_count())},
            {"memory", format_bytes(info.memory_total_bytes())},
            {"disk", format_bytes(info.disk_total_bytes())},
            {"kernel", info.kernel()},
            {"control plane", arguments.api_url},
        });
        if (!confirmed("Register this host with the control plane?")) {
            throw rpc::Error(rpc::Code::aborted, "not registered: not confirmed");
        }
    }
    v1::ProvisionRequest request;
    request.set_otp(arguments.otp);
    request.set_api_url(arguments.api_url);
    request.set_ca_file(arguments.ca_file.empty() ? "" : std::filesystem::absolute(arguments.ca_file).string());
    request.set_force(arguments.force);
    const auto response = co_await client.call<v1::ProvisionResponse>("blockvisor.v1.HostService/Provision", request,
                                                                      context.long_timeout);
    print_report(context.json, context.quiet, response, [](const v1::ProvisionResponse& provisioned) {
        fmt::print("provisioned: host {} at {}; bvd is connecting (see 'bv host status')\n", provisioned.host_id(),
                   provisioned.api_url());
    });
}

asio::awaitable<void> show_control_plane_status(const CliContext& context, rpc::ConnectClient& client) {
    const auto status = co_await client.call<v1::ControlPlaneStatusResponse>(
        "blockvisor.v1.HostService/ControlPlaneStatus", v1::ControlPlaneStatusRequest(), context.timeout);
    print_message(context.json, status, [](const v1::ControlPlaneStatusResponse& cp) {
        if (!cp.provisioned()) {
            fmt::print("not provisioned: register this host with 'bv init OTP --api URL'\n");
            return;
        }
        Fields fields{
            {"host id", cp.host_id()},
            {"control plane", cp.api_url()},
            {"connected", cp.connected() ? "since " + format_timestamp_ms(cp.connected_since_ms()) : "no"},
        };
        if (!cp.last_error().empty()) {
            fields.emplace_back("last error", format_timestamp_ms(cp.last_error_at_ms()) + ": " + cp.last_error());
        }
        fields.emplace_back("connections", std::to_string(cp.connections()));
        fields.emplace_back("commands", fmt::format("{} acked, {} completed", cp.commands_acked(), cp.commands_completed()));
        fields.emplace_back("pending status updates", std::to_string(cp.pending_status_updates()));
        if (cp.token_expires_at_ms() > 0) fields.emplace_back("token expires", format_timestamp_ms(cp.token_expires_at_ms()));
        print_fields(fields);
    });
}

}  // namespace

void add_control_plane_commands(CLI::App& app, CLI::App& host, CliContext& context, Action& action) {
    auto arguments = std::make_shared<InitArguments>();
    auto* init = add_daemon_command(
        app, "init", "Register this host with a control plane using a one-time password; bvd then takes its commands",
        context, action, with_arguments(context, arguments, init_host));
    init->add_option("OTP", arguments->otp, "The one-time password the control plane gave")->required();
    init->add_option("--api", arguments->api_url, "The control plane's URL, e.g. https://api.example.com:8443")
        ->required();
    init->add_option("--ca", arguments->ca_file, "PEM file of the CA that signed the control plane's certificate")
        ->check(CLI::ExistingFile);
    init->add_flag("--yes,-y", arguments->yes, "Do not ask for confirmation");
    init->add_flag("--force", arguments->force, "Register again although the host is provisioned");
    add_daemon_command(host, "status", "The link to the control plane: connected since, last error, pending updates",
                       context, action, [&context](auto& client) { return show_control_plane_status(context, client); });
}

}  // namespace bv::cli
