#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rpc/message_codec.hpp"

namespace bv::rpc {

namespace asio = boost::asio;

// What a handler knows about the call it serves.
struct CallContext {
    // Set when the caller sent Connect-Timeout-Ms; the server also enforces it.
    std::optional<std::chrono::steady_clock::time_point> deadline;
    // Request headers, names in lower case.
    std::map<std::string, std::string, std::less<>> headers;

    std::string_view header(std::string_view lowercase_name) const {
        const auto found = headers.find(lowercase_name);
        return found == headers.end() ? std::string_view() : std::string_view(found->second);
    }
};

// Sends one encoded message of a server stream to the client.
using RawStreamWriter = std::function<asio::awaitable<void>(std::string payload)>;

// Handed to server-streaming handlers: one write() per message, in order.
template <class Message>
class StreamWriter {
public:
    StreamWriter(RawStreamWriter& raw, Codec codec) : raw_(raw), codec_(codec) {}
    asio::awaitable<void> write(const Message& message) { co_await raw_(encode_message(message, codec_)); }

private:
    RawStreamWriter& raw_;
    Codec codec_;
};

struct Route {
    using Unary = std::function<asio::awaitable<std::string>(std::string body, Codec, CallContext&)>;
    using ServerStream =
        std::function<asio::awaitable<void>(std::string body, Codec, RawStreamWriter&, CallContext&)>;

    Unary unary;                // set for unary procedures
    ServerStream server_stream; // set for server-streaming procedures
};

// Maps procedure names (`blockvisor.v1.HostService/Health`) to handlers. Registration checks
// the name and the message types against the descriptors generated from proto/, so a typo
// fails at start-up, not at the first call.
class Router {
public:
    template <class Request, class Response, class Handler>
    void unary(std::string procedure, Handler handler) {
        check_procedure(procedure, Request::descriptor()->full_name(),
                        Response::descriptor()->full_name(), false);
        routes_[std::move(procedure)].unary =
            [handler = std::move(handler)](std::string body, Codec codec,
                                           CallContext& context) -> asio::awaitable<std::string> {
            Request request;
            decode_message(body, codec, request);
            const Response response = co_await handler(std::move(request), context);
            co_return encode_message(response, codec);
        };
    }

    template <class Request, class Response, class Handler>
    void server_stream(std::string procedure, Handler handler) {
        check_procedure(procedure, Request::descriptor()->full_name(),
                        Response::descriptor()->full_name(), true);
        routes_[std::move(procedure)].server_stream =
            [handler = std::move(handler)](std::string body, Codec codec, RawStreamWriter& raw,
                                           CallContext& context) -> asio::awaitable<void> {
            Request request;
            decode_message(body, codec, request);
            StreamWriter<Response> writer(raw, codec);
            co_await handler(std::move(request), writer, context);
        };
    }

    // Member-function forms: router.unary(name, this, &HostService::health).
    template <class Service, class Request, class Response>
    void unary(std::string procedure, Service* service,
               asio::awaitable<Response> (Service::*method)(Request, CallContext&)) {
        unary<Request, Response>(std::move(procedure), [service, method](Request request, CallContext& context) {
            return (service->*method)(std::move(request), context);
        });
    }

    template <class Service, class Request, class Response>
    void server_stream(std::string procedure, Service* service,
                       asio::awaitable<void> (Service::*method)(Request, StreamWriter<Response>&, CallContext&)) {
        server_stream<Request, Response>(
            std::move(procedure),
            [service, method](Request request, StreamWriter<Response>& writer, CallContext& context) {
                return (service->*method)(std::move(request), writer, context);
            });
    }

    // Looks up `/package.Service/Method` (the HTTP path) or `package.Service/Method`.
    const Route* find(std::string_view path) const;
    std::vector<std::string> procedures() const;

private:
    static void check_procedure(const std::string& procedure, const std::string& request_type,
                                const std::string& response_type, bool server_streaming);

    std::map<std::string, Route, std::less<>> routes_;
};

}  // namespace bv::rpc
