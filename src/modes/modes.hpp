#pragma once

namespace bv {

// Entry points of the six modes. argv[0] is the name the mode was called by.
int run_daemon_mode(int argc, const char* const* argv);
int run_cli_mode(int argc, const char* const* argv);
int run_babel_mode(int argc, const char* const* argv);
int run_babelsup_mode(int argc, const char* const* argv);
int run_installer_mode(int argc, const char* const* argv);
int run_api_mode(int argc, const char* const* argv);

}  // namespace bv
