#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <filesystem>
#include <functional>

#include "rpc/connect_client.hpp"

namespace bv::api {

namespace asio = boost::asio;

// What every admin command shares: which server, and how to print.
struct AdminContext {
    std::filesystem::path data_dir;  // --data
    bool json = false;               // --json
    std::chrono::milliseconds timeout{30'000};
    // Packing an image's root filesystem takes a while.
    std::chrono::milliseconds long_timeout{600'000};
};

using AdminCommand = std::function<asio::awaitable<void>(const AdminContext&, rpc::ConnectClient&)>;

// Runs `command` against the bv-api serving DATA_DIR: its address from DATA_DIR/server.json, its
// CA from DATA_DIR/tls/ca.pem, the admin token from DATA_DIR/admin-token. Returns the exit code:
// errors are one line on stderr and 1; a server that does not answer gets a hint how to start it.
int run_admin_command(const AdminContext& context, const AdminCommand& command);

}  // namespace bv::api
