#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "api/admin_client.hpp"

namespace bv::api {

// What the chosen subcommand does once the whole command line is parsed; returns the exit code.
using Action = std::function<int()>;

// bv-api otp, hosts, host revoke, nodes, node ..., image add, images, keys, commands: each calls
// the running server's admin API (admin_client.hpp).
void add_admin_commands(CLI::App& app, AdminContext& context, Action& action);

}  // namespace bv::api
