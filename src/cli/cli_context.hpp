#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

#include "rpc/connect_client.hpp"

namespace bv::cli {

namespace asio = boost::asio;

// What every bv command shares: where bvd is, and how to print.
struct CliContext {
    std::string root;    // --root
    std::string socket;  // --socket: overrides the root's socket
    bool json = false;   // --json
    std::chrono::milliseconds timeout{30'000};

    std::filesystem::path socket_path() const;
};

using DaemonCommand = std::function<asio::awaitable<void>(rpc::ConnectClient&)>;

// Runs `command` against bvd on one io_context. Errors become one line on stderr and exit
// code 1; an unreachable daemon gets a hint how to start it.
int run_against_daemon(const CliContext& context, DaemonCommand command);

}  // namespace bv::cli
