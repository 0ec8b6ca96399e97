#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "rpc/envelope.hpp"
#include "rpc/http_client.hpp"
#include "rpc/message_codec.hpp"
#include "rpc/procedure.hpp"

namespace bv::rpc {

// Messages of a server stream as they arrive.
class RawMessageStream {
public:
    RawMessageStream(HttpResponseStream response, std::size_t max_message_size, std::string procedure);
    // The next encoded message, or nullopt when the stream ended without an error. Throws
    // the stream's error as rpc::Error when it ended with one.
    asio::awaitable<std::optional<std::string>> next();

private:
    asio::awaitable<void> read_to_the_end();

    HttpResponseStream response_;
    EnvelopeReader reader_;
    std::string procedure_;
    bool ended_ = false;
};

template <class Message>
class MessageStream {
public:
    explicit MessageStream(RawMessageStream raw) : raw_(std::move(raw)) {}
    asio::awaitable<std::optional<Message>> next() {
        auto payload = co_await raw_.next();
        if (!payload) co_return std::nullopt;
        Message message;
        decode_message(*payload, Codec::proto, message);
        co_return message;
    }

private:
    RawMessageStream raw_;
};

struct ConnectClientOptions {
    std::vector<HttpHeader> headers;   // sent with every call, e.g. authorization
    std::string path_prefix;           // for servers mounted under a path
    std::size_t max_message_size = 64 << 20;
};

// A Connect protocol client (binary protobuf). Errors are thrown as rpc::Error, with the
// server's code and message when it sent one.
class ConnectClient {
public:
    ConnectClient(asio::any_io_executor executor, Endpoint endpoint, ConnectClientOptions options = {});

    template <class Response, class Request>
    asio::awaitable<Response> call(std::string procedure, Request request, std::chrono::milliseconds timeout,
                                   std::chrono::milliseconds connect_timeout = kNoTimeout) {
        const auto body =
            co_await call_raw(std::move(procedure), encode_message(request, Codec::proto), timeout, connect_timeout);
        Response response;
        decode_message(body, Codec::proto, response);
        co_return response;
    }

    template <class Response, class Request>
    asio::awaitable<MessageStream<Response>> open_stream(std::string procedure, Request request,
                                                         std::chrono::milliseconds timeout = kNoTimeout) {
        co_return MessageStream<Response>(
            co_await open_stream_raw(std::move(procedure), encode_message(request, Codec::proto), timeout));
    }

    // Through a contract's procedure: the message types come with it.
    template <class Request, class Response>
    asio::awaitable<Response> call(const Procedure<Request, Response, false>& procedure, Request request,
                                   std::chrono::milliseconds timeout, std::chrono::milliseconds connect_timeout = kNoTimeout) {
        co_return co_await call<Response>(procedure.name, std::move(request), timeout, connect_timeout);
    }
    template <class Request, class Response>
    asio::awaitable<MessageStream<Response>> open_stream(const Procedure<Request, Response, true>& procedure,
                                                         Request request, std::chrono::milliseconds timeout = kNoTimeout) {
        co_return co_await open_stream<Response>(procedure.name, std::move(request), timeout);
    }

    // connect_timeout bounds each connection attempt (HttpRequest::connect_timeout says why).
    asio::awaitable<std::string> call_raw(std::string procedure, std::string body, std::chrono::milliseconds timeout,
                                          std::chrono::milliseconds connect_timeout = kNoTimeout);
    asio::awaitable<RawMessageStream> open_stream_raw(std::string procedure, std::string body,
                                                      std::chrono::milliseconds timeout);

    const Endpoint& endpoint() const { return http_.endpoint(); }

private:
    HttpRequest make_request(const std::string& procedure, std::string body, bool streaming,
                             std::chrono::milliseconds timeout) const;

    HttpClient http_;
    ConnectClientOptions options_;
};

}  // namespace bv::rpc
