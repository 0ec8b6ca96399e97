#pragma once

// Synchronous Connect calls for tests: each runs its own io_context to the end.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "rpc/connect_client.hpp"

namespace bv::test {

template <class Response, class Request>
Response call(const rpc::Endpoint& endpoint, const std::string& procedure, const Request& request,
              std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    boost::asio::io_context io;
    rpc::ConnectClient client(io.get_executor(), endpoint);
    Response response;
    std::exception_ptr failure;
    boost::asio::co_spawn(
        io, [&]() -> boost::asio::awaitable<void> { response = co_await client.call<Response>(procedure, request, timeout); },
        [&](std::exception_ptr error) { failure = error; });
    io.run();
    if (failure) std::rethrow_exception(failure);
    return response;
}

// All messages of a server stream that ends by itself.
template <class Response, class Request>
std::vector<Response> call_stream(const rpc::Endpoint& endpoint, const std::string& procedure, const Request& request,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    boost::asio::io_context io;
    rpc::ConnectClient client(io.get_executor(), endpoint);
    std::vector<Response> messages;
    std::exception_ptr failure;
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
            auto stream = co_await client.open_stream<Response>(procedure, request, timeout);
            for (;;) {
                auto message = co_await stream.next();
                if (!message) break;
                messages.push_back(std::move(*message));
            }
        },
        [&](std::exception_ptr error) { failure = error; });
    io.run();
    if (failure) std::rethrow_exception(failure);
    return messages;
}

// The code of the rpc::Error that `operation` throws; fails the test if it throws nothing.
template <class Operation>
std::string error_of(Operation operation) {
    try {
        operation();
    } catch (const rpc::Error& error) {
        return std::string(rpc::code_name(error.code())) + ": " + error.what();
    }
    return "no error";
}

// A TCP port on 127.0.0.1 that nobody listens on right now.
std::uint16_t free_local_port();

}  // namespace bv::test
