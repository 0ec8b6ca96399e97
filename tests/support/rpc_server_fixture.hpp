#pragma once

// Our rpc::Server with an EchoService on a Unix socket in this process, for the tests of
// src/rpc over real sockets: clients of ours, and raw sockets that behave as we please.

#include <gtest/gtest.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <exception>
#include <filesystem>
#include <functional>
#include <string>

#include "rpc/connect_client.hpp"
#include "rpc/error.hpp"
#include "rpc/server.hpp"
#include "support/echo_service.hpp"
#include "support/process.hpp"

namespace bv::test {

inline constexpr auto kEcho = "bvtest.v1.EchoService/Echo";
inline constexpr auto kCount = "bvtest.v1.EchoService/Count";

bvtest::v1::EchoRequest echo_request(std::string text, std::uint32_t delay_ms = 0,
                                     std::string fail_with = {});
bvtest::v1::CountRequest count_request(std::uint32_t count, std::uint32_t interval_ms);

asio::awaitable<void> pause_for(std::chrono::milliseconds duration);
// Waits (on the io_context) until `condition` holds; false after `timeout`.
asio::awaitable<bool> eventually_async(std::function<bool()> condition,
                                       std::chrono::milliseconds timeout = std::chrono::seconds(5));

rpc::Code code_of(std::exception_ptr error);

class RpcTest : public ::testing::Test {
protected:
    explicit RpcTest(rpc::ServerLimits limits = {});

    rpc::ConnectClient client(rpc::ConnectClientOptions options = {});
    // Runs `body` to its end on the io_context; rethrows what it threw.
    void run(std::function<asio::awaitable<void>()> body);
    // Runs the server while `peer` acts as a client in a thread of its own (every wait of
    // the peer needs a bound of its own).
    void serve_while(const std::function<void()>& peer);

    // A connection to the server made by hand (the server accepts it once the loop runs);
    // -1 when it cannot connect.
    int connect_raw() const;
    // Sends raw bytes on a new connection and returns what comes back until the server closes.
    std::string raw_exchange(const std::string& bytes);

    TempDir dir_{"bv-rpc"};
    asio::io_context io_;
    rpc::Router router_;
    EchoService echo_;
    rpc::Server server_;
    std::filesystem::path socket_path_;
};

}  // namespace bv::test
