#include "cli/commands.hpp"

namespace bv::cli {

CLI::App* add_daemon_command(CLI::App& parent, const std::string& name,
                             const std::string& description, const CliContext& context,
                             Action& action, DaemonCommand command, ArgumentCheck check,
                             DaemonRunner runner) {
    auto* subcommand = parent.add_subcommand(name, description);
    // CLI11 runs this callback inside parse(): a CLI::ValidationError from `check` becomes a
    // usage error there.
    subcommand->callback(
        [&context, &action, command = std::move(command), check = std::move(check), runner] {
            if (check) check();
            action = [&context, command, runner] { return runner(context, command); };
        });
    return subcommand;
}

}  // namespace bv::cli
