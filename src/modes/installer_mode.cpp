#include <filesystem>

#include "common/version.hpp"
#include "install/run/installer.hpp"
#include "modes/arguments.hpp"
#include "modes/host_command_lines.hpp"
#include "modes/modes.hpp"

namespace bv {
namespace {

struct InstallerCommandLine : CLI::App {
    std::string root;
    std::string version;
    std::string bundle;
    std::string service_manager;
    unsigned health_timeout = 60;
    unsigned drain_timeout = 60;

    InstallerCommandLine()
        : CLI::App(
              "bv-installer: installs a BlockVisor version on this host (self update): refuses a "
              "blacklisted "
              "version, backs up the running one, tells bvd, switches "
              "<root>/opt/blockvisor/current, restarts "
              "bvd and waits for its health; on failure blacklists the version and rolls back to "
              "the backup "
              "(a failed rollback is reported to the control plane as a broken host). Killed, it "
              "finishes or "
              "rolls back when run again. Exit code 0: installed; 1: refused, rolled back or "
              "broken.",
              "bv-installer") {
        set_version_flag("--version", std::string("blockvisor ") + kVersion);
        add_option("VERSION", version,
                   "The version to install, unpacked in <root>/opt/blockvisor/VERSION (by bvd's "
                   "update checker, or "
                   "by --bundle)")
            ->type_name("VERSION");
        add_option("--root", root, "Root prefix of all state (default: $BV_ROOT, else /)")
            ->type_name("DIR");
        add_option("--bundle", bundle,
                   "Unpack this bundle (blockvisor-VERSION.tar.gz, signed by a key of "
                   "release_public_keys in the host "
                   "config) first, then install it with its own installer")
            ->type_name("FILE")
            ->check(CLI::ExistingFile);
        add_option("--service-manager", service_manager,
                   "How bvd is restarted: systemd (systemctl restart blockvisor.service) or "
                   "process (bvd found by its "
                   "lock file, stopped with SIGTERM, started from current's binary); default: "
                   "systemd when it runs "
                   "this machine")
            ->check(CLI::IsMember({"systemd", "process"}));
        add_option("--health-timeout", health_timeout,
                   "Seconds for the new bvd to answer as the new version")
            ->type_name("SECONDS")
            ->check(CLI::PositiveNumber);
        add_option("--drain-timeout", drain_timeout,
                   "Seconds for the running bvd's node operations to end")
            ->type_name("SECONDS");
    }
};

}  // namespace

std::unique_ptr<CLI::App> installer_command_line() {
    return std::make_unique<InstallerCommandLine>();
}

int run_installer_mode(int argc, const char* const* argv) {
    InstallerCommandLine command_line;
    if (auto exit_code = parse_arguments(command_line, argc, argv)) return *exit_code;
    if (command_line.version.empty() && command_line.bundle.empty()) {
        std::fputs(
            "bv-installer: give the VERSION to install, or its bundle with --bundle FILE (see "
            "--help)\n",
            stderr);
        return 2;
    }
    install::InstallerOptions options;
    options.paths = host_paths(resolve_root(command_line.root));
    options.version = command_line.version;
    if (!command_line.bundle.empty())
        options.bundle = std::filesystem::absolute(command_line.bundle);
    options.service_manager = command_line.service_manager.empty()
                                  ? install::default_service_manager()
                                  : *install::parse_service_manager(command_line.service_manager);
    options.health_timeout = std::chrono::seconds(command_line.health_timeout);
    options.drain_timeout = std::chrono::seconds(command_line.drain_timeout);
    return install::run_installer(options);
}

}  // namespace bv
