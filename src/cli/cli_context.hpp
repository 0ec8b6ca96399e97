#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <exception>
#include <filesystem>
#include <functional>
#include <string>

#include "rpc/connect_client.hpp"
#include "rpc/error.hpp"

namespace bv::cli {

namespace asio = boost::asio;

// What every bv command shares: where bvd is, and how to print.
struct CliContext {
    std::string root;    // --root
    std::string socket;  // --socket: overrides the root's socket
    bool json = false;   // --json
    bool quiet = false;  // --quiet: nothing on success but what a script needs
    std::chrono::milliseconds timeout{30'000};
    // Creating, starting, stopping, upgrading or deleting a node, importing an image: starting
    // a chain or copying a root filesystem can take minutes.
    std::chrono::milliseconds long_timeout{300'000};

    std::filesystem::path socket_path() const;
};

using DaemonCommand = std::function<asio::awaitable<void>(rpc::ConnectClient&)>;

// Thrown by a command that has already reported its failures on stderr (e.g. one node of
// several failed to start): exit code 1, nothing more printed.
class FailureReported : public std::exception {
public:
    const char* what() const noexcept override { return "failures reported"; }
};

// Is this the error of a call that could not reach bvd (rather than bvd reporting that
// something else is unavailable)? Then the next call would fail the same way.
bool is_daemon_unreachable(const CliContext& context, const rpc::Error& error);

// Runs `command` against bvd on one io_context. Errors become one line on stderr and exit
// code 1; an unreachable daemon gets a hint how to start it.
int run_against_daemon(const CliContext& context, DaemonCommand command);

// The same, for commands that follow a stream until the user has seen enough: Ctrl-C
// (SIGINT) cancels the command and the exit code is 0.
int run_until_interrupted(const CliContext& context, DaemonCommand command);

}  // namespace bv::cli
