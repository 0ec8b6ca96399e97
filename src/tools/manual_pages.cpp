// bv-manual-pages DIR: writes the manual pages of every mode into DIR (bv.1, bvd.8, babel.8,
// babelsup.8, bv-installer.8, bv-api.1), made from the definitions their parsers use. A build
// tool: it links both executables' modes, so that neither carries the generator.

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/version.hpp"
#include "modes/command_spec.hpp"
#include "modes/host_command_lines.hpp"
#include "modes/manual_page.hpp"
#include "modes/node_command_lines.hpp"

namespace {

using bv::ManualPage;
using bv::ManualSection;

const ManualSection kRootEnvironment{
    "ENVIRONMENT",
    {{"BV_ROOT", "Root prefix of the host's state when --root is not given (default: /). Tests and demos run many "
                 "isolated hosts side by side under different roots."}}};

ManualPage bv_page() {
    return {bv::command_spec(*bv::cli_command_line()),
            1,
            {kRootEnvironment,
             {"EXIT STATUS",
              {{"0", "Success."},
               {"1", "An error, as one line on stderr; when bvd cannot be reached, the line says how to start it."},
               {"2", "A usage error: unknown command or option, missing argument."}}},
             {"FILES",
              {{"/run/blockvisor/bvd.sock", "bvd's local API (mode 0660, group blockvisor): members of the group "
                                            "may use bv without root."}}},
             {"NOTES",
              {{"", "Options of bv itself (--root, --socket, --json) may also come after the command. Every --json "
                    "output is the API's response message as protobuf JSON; docs/cli.md describes each."}}}},
            {"bvd(8)", "bv-api(1)"}};
}

ManualPage bvd_page() {
    return {bv::command_spec(*bv::daemon_command_line()),
            8,
            {kRootEnvironment,
             {"FILES",
              {{"/etc/blockvisor/config.json", "The host config: identity, control plane, tokens (mode 0600), "
                                               "backend, bridge, log level, metrics_listen. Missing: defaults."},
               {"/var/lib/blockvisor/nodes/", "One directory per node: its record, data, babel's state, its log."},
               {"/var/lib/blockvisor/images/", "Cached node images: protocol/node_type/version/."},
               {"/run/blockvisor/bvd.sock", "The local API, for bv (mode 0660)."},
               {"/run/blockvisor/bvd.lock", "Held while a bvd runs on this root: a second one is refused."}}},
             {"SIGNALS",
              {{"SIGTERM, SIGINT", "Calls in flight get up to 10 s to finish, then bvd exits. Nodes keep running; "
                                   "the next bvd finds them again."}}},
             {"EXIT STATUS",
              {{"0", "Stopped by a signal."},
               {"1", "Could not start (another bvd on the root, an unreadable config, an unusable metrics "
                     "address), or provisioning with --otp was refused."},
               {"2", "A usage error."}}}},
            {"bv(1)", "babel(8)", "babelsup(8)", "bv-installer(8)"}};
}

ManualPage babel_page() {
    bv::BabelArguments babel;
    bv::CheckConfigArguments check_config;
    auto command = bv::command_spec(bv::babel_command_line(babel));
    auto check = bv::command_spec(bv::check_config_command_line(check_config));
    check.name = "check-config";
    command.subcommands.push_back(std::move(check));
    return {std::move(command),
            8,
            {{"EXIT STATUS",
              {{"0", "Stopped by SIGTERM or SIGINT; for check-config: every file is valid."},
               {"1", "A failure (for check-config: a file has problems)."},
               {"2", "A usage error."}}}},
            {"babelsup(8)", "bvd(8)"}};
}

ManualPage babelsup_page() {
    bv::BabelsupArguments arguments;
    return {bv::command_spec(bv::babelsup_command_line(arguments)),
            8,
            {{"NOTES",
              {{"", "babelsup is started by bvd as the first process of a node (a sandbox or a VM); it is not "
                    "meant to be run by hand on the host."}}}},
            {"babel(8)", "bvd(8)"}};
}

ManualPage installer_page() {
    return {bv::command_spec(*bv::installer_command_line()),
            8,
            {{"BUGS", {{"", "Self update is not implemented yet: bv-installer only answers --help and --version."}}}},
            {"bvd(8)"}};
}

ManualPage api_page() {
    return {bv::command_spec(*bv::api_command_line()),
            1,
            {{"FILES",
              {{"DATA/", "The --data directory: SQLite database, TLS material, images, the admin token, server.json "
                         "(where the running server listens)."}}}},
            {"bvd(8)", "bv(1)"}};
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fputs("usage: bv-manual-pages DIR\n", stderr);
        return 2;
    }
    const std::filesystem::path directory = argv[1];
    std::filesystem::create_directories(directory);
    for (const auto& page : {bv_page(), bvd_page(), babel_page(), babelsup_page(), installer_page(), api_page()}) {
        const auto file = directory / (page.command.name + "." + std::to_string(page.section));
        std::ofstream out(file);
        out << bv::render_manual_page(page, bv::kVersion);
        if (!out) {
            std::fprintf(stderr, "bv-manual-pages: cannot write %s\n", file.c_str());
            return 1;
        }
    }
    return 0;
}
