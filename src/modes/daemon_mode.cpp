#include <filesystem>

#include "common/paths.hpp"
#include "common/version.hpp"
#include "daemon/daemon.hpp"
#include "modes/arguments.hpp"
#include "modes/modes.hpp"

namespace bv {

int run_daemon_mode(int argc, const char* const* argv) {
    CLI::App app("bvd: the BlockVisor host daemon. Runs the nodes of this host and serves the local API "
                 "(bv) on <root>/run/blockvisor/bvd.sock.",
                 std::filesystem::path(argv[0]).filename().string());
    app.set_version_flag("--version", std::string("blockvisor ") + kVersion);
    std::string root;
    std::string log_level;
    app.add_option("--root", root, "Root prefix of all state (default: $BV_ROOT, else /)");
    app.add_option("--log-level", log_level, "debug, info, warn or error (default: from the host config, else info)")
        ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
    if (auto exit_code = parse_arguments(app, argc, argv)) return *exit_code;

    daemon::DaemonOptions options;
    options.root = resolve_root(root);
    options.log_level = log_level;
    return daemon::run_daemon(options);
}

}  // namespace bv
