#include <filesystem>

#include "host/paths.hpp"
#include "common/version.hpp"
#include "daemon/daemon.hpp"
#include "modes/arguments.hpp"
#include "modes/host_command_lines.hpp"
#include "modes/modes.hpp"

namespace bv {
namespace {

constexpr const char* kDefaultMetricsListen = "127.0.0.1:9464";

struct DaemonCommandLine : CLI::App {
    std::string root;
    std::string log_level;
    std::string metrics_listen;
    CLI::Option* metrics = nullptr;
    daemon::DaemonOptions options;

    explicit DaemonCommandLine(std::string name)
        : CLI::App("bvd: the BlockVisor host daemon. Runs the nodes of this host and serves the local API "
                   "(bv) on <root>/run/blockvisor/bvd.sock.",
                   std::move(name)) {
        set_version_flag("--version", std::string("blockvisor ") + kVersion);
        add_option("--root", root, "Root prefix of all state (default: $BV_ROOT, else /)")->type_name("DIR");
        add_option("--log-level", log_level, "debug, info, warn or error (default: from the host config, else info)")
            ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
        metrics = add_option("--metrics-listen", metrics_listen,
                             "Serve Prometheus metrics, /livez and /readyz on IP:PORT (overrides metrics_listen of "
                             "the host config; alone: 127.0.0.1:9464; \"\": off)")
                      ->expected(0, 1)
                      ->type_name("IP:PORT");
        auto* otp = add_option("--otp", options.otp,
                               "Provision the host with this one-time password at start (as a provisioning script "
                               "does); ignored when it is provisioned already");
        auto* api = add_option("--api", options.api_url, "The control plane's URL, with --otp (https://HOST:PORT)");
        add_option("--ca", options.api_ca_file, "PEM file of the CA that signed the control plane's certificate, with --otp")
            ->check(CLI::ExistingFile);
        // Hidden (no group): for tests of clients' deadlines, never on a host.
        add_flag("--test-hooks", options.test_hooks,
                 "Serve blockvisor.v1.TestHooksService (tests only)")
            ->group("");
        otp->needs(api);
        api->needs(otp);
    }
};

}  // namespace

std::unique_ptr<CLI::App> daemon_command_line() { return std::make_unique<DaemonCommandLine>("bvd"); }

int run_daemon_mode(int argc, const char* const* argv) {
    DaemonCommandLine command_line(std::filesystem::path(argv[0]).filename().string());
    if (auto exit_code = parse_arguments(command_line, argc, argv)) return *exit_code;

    auto options = command_line.options;
    options.root = resolve_root(command_line.root);
    options.log_level = command_line.log_level;
    if (command_line.metrics->count() > 0) {
        // Alone: the usual address; with "": off, whatever the host config says.
        options.metrics_listen = command_line.metrics->empty() ? std::string(kDefaultMetricsListen)
                                                               : command_line.metrics_listen;
    }
    return daemon::run_daemon(options);
}

}  // namespace bv
