#include <chrono>

#include "api/admin_commands.hpp"
#include "api/api_server.hpp"
#include "common/version.hpp"
#include "modes/arguments.hpp"
#include "modes/host_command_lines.hpp"
#include "modes/modes.hpp"

namespace bv {
namespace {

struct ApiCommandLine : CLI::App {
    api::AdminContext context;
    std::string data_dir;
    api::Action action;
    api::ServeOptions serve;
    std::uint32_t heartbeat_ms = 10'000;
    std::uint32_t token_ttl_seconds = 3600;

    ApiCommandLine()
        : CLI::App("bv-api: the reference control plane of BlockVisor, for development, tests, demos and small "
                   "self-hosted fleets. 'serve' runs it; the other commands ask the running server.",
                   "bv-api") {
        set_version_flag("--version", std::string("blockvisor ") + kVersion);
        // --data and --json may come after the subcommand.
        fallthrough();
        require_subcommand(1);
        add_option("--data", data_dir, "Directory of bv-api's state: database, TLS, images, admin token")
            ->envname("BV_API_DATA")
            ->type_name("DIR")
            ->required();
        add_flag("--json", context.json, "Print results as JSON (protobuf JSON of the admin API's messages)");

        auto* serve_command = add_subcommand(
            "serve", "Run the control plane: the hosts' API, the admin API and image downloads over HTTPS");
        serve_command->add_option("--listen", serve.listen, "Address to listen on: IP:PORT (port 0: any free port)")
            ->capture_default_str();
        serve_command->add_option("--public-url", serve.public_url,
                                  "https://HOST:PORT hosts reach this server at (default: from --listen)");
        serve_command->add_option("--heartbeat-ms", heartbeat_ms, "Heartbeat interval of the command streams")
            ->check(CLI::Range(10u, 600'000u))
            ->capture_default_str();
        serve_command->add_option("--token-ttl-seconds", token_ttl_seconds, "How long an access token is valid")
            ->check(CLI::Range(1u, 30u * 24 * 3600))
            ->capture_default_str();
        serve_command
            ->add_option("--release-public-key", serve.release_public_keys,
                         "A release key's public key (base64 of the raw 32 bytes, or PEM) that the provisioning "
                         "script (/install.sh) puts into a new host's config; repeatable")
            ->type_name("KEY");
        serve_command->add_option("--log-level", serve.log_level, "debug, info, warn or error")
            ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
            ->capture_default_str();
        serve_command->callback([this] {
            action = [this] {
                serve.data_dir = data_dir;
                serve.heartbeat = std::chrono::milliseconds(heartbeat_ms);
                serve.access_token_ttl = std::chrono::seconds(token_ttl_seconds);
                return api::run_api_server(serve);
            };
        });
        api::add_admin_commands(*this, context, action);
    }
};

}  // namespace

std::unique_ptr<CLI::App> api_command_line() { return std::make_unique<ApiCommandLine>(); }

int run_api_mode(int argc, const char* const* argv) {
    ApiCommandLine command_line;
    if (auto exit_code = parse_arguments(command_line, argc, argv)) return *exit_code;
    command_line.context.data_dir = command_line.data_dir;
    return command_line.action ? command_line.action() : 2;
}

}  // namespace bv
