#include "machine/qmp_client.hpp"

#include <boost/asio/read_until.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <stdexcept>

namespace bv::machine {

namespace json = boost::json;

std::optional<json::value> qmp_reply(std::string_view line) {
    const auto message = json::parse(line);
    const auto& object = message.as_object();
    if (const auto* result = object.if_contains("return")) return *result;
    if (const auto* error = object.if_contains("error")) {
        const auto* description = error->as_object().if_contains("desc");
        throw std::runtime_error("QEMU refused a command: " +
                                 (description ? std::string(description->as_string()) : json::serialize(*error)));
    }
    return std::nullopt;  // an event, or the greeting
}

asio::awaitable<QmpClient> QmpClient::connect(std::filesystem::path socket_path) {
    asio::local::stream_protocol::socket socket(co_await asio::this_coro::executor);
    co_await socket.async_connect(socket_path.string(), asio::use_awaitable);
    co_return co_await negotiate(std::move(socket));
}

asio::awaitable<QmpClient> QmpClient::negotiate(asio::local::stream_protocol::socket socket) {
    QmpClient client(std::move(socket));
    co_await client.read_line();  // {"QMP": {...}}
    co_await client.execute("qmp_capabilities");
    co_return client;
}

asio::awaitable<std::string> QmpClient::read_line() {
    const auto size = co_await asio::async_read_until(socket_, asio::dynamic_buffer(buffer_), '\n', asio::use_awaitable);
    auto line = buffer_.substr(0, size);
    buffer_.erase(0, size);
    co_return line;
}

asio::awaitable<json::value> QmpClient::execute(std::string command, json::object arguments) {
    json::object message{{"execute", command}};
    if (!arguments.empty()) message["arguments"] = std::move(arguments);
    const auto request = json::serialize(message) + "\n";
    co_await asio::async_write(socket_, asio::buffer(request), asio::use_awaitable);
    for (;;) {
        const auto line = co_await read_line();
        auto reply = qmp_reply(line);
        if (reply) co_return std::move(*reply);
    }
}

asio::awaitable<std::string> QmpClient::status() {
    const auto reply = co_await execute("query-status");
    co_return std::string(reply.as_object().at("status").as_string());
}

}  // namespace bv::machine
