#pragma once

// The command lines of the host's modes as their parsers define them: each mode parses with
// its own, and the man pages (tools/manual_pages.cpp) are made from the same definitions. The
// values the options fill belong to each definition; building one runs nothing.

#include <CLI/CLI.hpp>
#include <memory>

namespace bv {

std::unique_ptr<CLI::App> daemon_command_line();     // bvd
std::unique_ptr<CLI::App> cli_command_line();        // bv
std::unique_ptr<CLI::App> installer_command_line();  // bv-installer
std::unique_ptr<CLI::App> api_command_line();        // bv-api

}  // namespace bv
