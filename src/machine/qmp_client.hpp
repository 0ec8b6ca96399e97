#pragma once

// QEMU's machine protocol (QMP, docs/interop/qmp-spec.rst in QEMU): JSON objects, one per
// line, on the VM's Unix socket. After the greeting the client must send qmp_capabilities;
// then each {"execute": ...} gets a {"return": ...} or {"error": ...}, with asynchronous
// {"event": ...} lines in between.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace bv::machine {

namespace asio = boost::asio;

// The reply to one command, from the lines QEMU sent: skips events; throws
// std::runtime_error with QEMU's error description. nullopt: no reply among the lines yet.
std::optional<boost::json::value> qmp_reply(std::string_view line);

class QmpClient {
public:
    // Connects and negotiates. Throws boost::system::system_error when nothing listens.
    static asio::awaitable<QmpClient> connect(std::filesystem::path socket);
    // Negotiates over a socket already connected to QEMU's monitor.
    static asio::awaitable<QmpClient> negotiate(asio::local::stream_protocol::socket socket);

    asio::awaitable<boost::json::value> execute(std::string command, boost::json::object arguments = {});
    // "running", "paused", "shutdown"... (query-status).
    asio::awaitable<std::string> status();

private:
    explicit QmpClient(asio::local::stream_protocol::socket socket) : socket_(std::move(socket)) {}
    asio::awaitable<std::string> read_line();

    asio::local::stream_protocol::socket socket_;
    std::string buffer_;
};

}  // namespace bv::machine
