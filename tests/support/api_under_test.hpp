#pragma once

// bv-api running on a fresh data directory (TLS on 127.0.0.1, a free port), its admin commands,
// and Connect calls to it as a host makes them.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "blockvisor/api/v1/auth.pb.h"
#include "blockvisor/api/v1/command.pb.h"
#include "blockvisor/api/v1/host.pb.h"
#include "rpc/connect_client.hpp"
#include "rpc/error.hpp"
#include "support/process.hpp"

namespace bv::test {

namespace api_v1 = blockvisor::api::v1;

class ApiUnderTest {
public:
    // Starts `bv-api serve` with these extra options.
    explicit ApiUnderTest(std::vector<std::string> serve_args = {});
    ~ApiUnderTest();

    // (Re)starts the server on the same data directory and port (the first start picks a free port).
    void start(std::vector<std::string> serve_args);
    void kill_hard();  // SIGKILL, waited for
    void stop();       // SIGTERM, waited for
    Process& server() { return *server_; }

    const std::filesystem::path& data() const { return data_.path(); }
    std::filesystem::path ca() const { return data() / "tls/ca.pem"; }
    std::uint16_t port() const { return port_; }
    std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
    // TLS to the server, verified against `ca_file` (default: the server's CA).
    rpc::Endpoint endpoint(const std::filesystem::path& ca_file = {}) const;

    // bv-api --data DIR ARGS...
    ProcessResult admin(std::vector<std::string> args) const;
    std::string otp(std::uint32_t ttl_seconds = 0) const;

    // A unary call with `Authorization: Bearer <bearer>` when it is not empty.
    template <class Response, class Request>
    Response call(const std::string& procedure, const Request& request, const std::string& bearer = {}) const;

private:
    TempDir data_{"bv-api-data"};
    TempDir logs_{"bv-api-logs"};
    std::uint16_t port_ = 0;
    std::vector<std::string> serve_args_;
    std::unique_ptr<Process> server_;
};

// A host registered with a fresh one-time password.
struct ProvisionedHost {
    std::string id;
    api_v1::Tokens tokens;
};
ProvisionedHost provision(const ApiUnderTest& api, const std::string& name);

// A command stream read on a thread of its own; the test takes its messages as they arrive.
class CommandStream {
public:
    CommandStream(const ApiUnderTest& api, const ProvisionedHost& host);
    ~CommandStream();

    // The next message, or nullopt when none came within `timeout` (or the stream ended).
    std::optional<api_v1::SubscribeResponse> next(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // The next command, skipping heartbeats.
    std::optional<api_v1::Command> next_command(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // How the stream ended ("code: message"), once it has; waits up to `timeout`.
    std::optional<std::string> ended(std::chrono::milliseconds timeout = std::chrono::seconds(10));

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<api_v1::SubscribeResponse> messages_;
    std::optional<std::string> end_;
    boost::asio::io_context io_;
    std::thread thread_;
};

// The JSON a `--json` admin command printed; fails the test when it is not JSON.
std::string json_field(const std::string& json, const std::string& dotted_path);

}  // namespace bv::test

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

namespace bv::test {

template <class Response, class Request>
Response ApiUnderTest::call(const std::string& procedure, const Request& request, const std::string& bearer) const {
    boost::asio::io_context io;
    rpc::ConnectClientOptions options;
    if (!bearer.empty()) options.headers.push_back({"Authorization", "Bearer " + bearer});
    rpc::ConnectClient client(io.get_executor(), endpoint(), options);
    Response response;
    std::exception_ptr failure;
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
            response = co_await client.call<Response>(procedure, request, std::chrono::seconds(30));
        },
        [&](std::exception_ptr error) { failure = error; });
    io.run();
    if (failure) std::rethrow_exception(failure);
    return response;
}

}  // namespace bv::test
