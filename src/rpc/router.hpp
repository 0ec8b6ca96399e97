#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rpc/encoded.hpp"
#include "rpc/message_codec.hpp"
#include "rpc/on_arena.hpp"
#include "rpc/procedure.hpp"

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

// A directory served as plain files (GET and HEAD, with byte ranges: rpc/file_response.hpp) at
// the paths that start with `prefix`: downloads beside the procedures.
// Checks a request for a mount's files before it is answered (the request's headers are in the
// context); throws rpc::Error (unauthenticated, permission_denied) to refuse it.
using FileAuthorizer = std::function<void(const CallContext&)>;

struct FileMount {
    std::string prefix;  // "/files/": starts and ends with '/'
    std::filesystem::path directory;
    FileAuthorizer authorize;  // empty: open to anyone
};

// A small page made at each GET or HEAD of its path (/metrics, /livez): no files, no Connect.
struct Page {
    unsigned status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
};
using PageHandler = std::function<Page()>;

// What a unary handler may return: the response message, or one of the forms below.
template <class Response>
struct ResponseMessage {
    using type = Response;
    static std::string encode(Response& response, Codec codec) { return encode_message(response, codec); }
};
template <class Message>
struct ResponseMessage<OnArena<Message>> {
    using type = Message;
    static std::string encode(OnArena<Message>& response, Codec codec) { return encode_message(*response.message, codec); }
};
template <class Message>
struct ResponseMessage<Encoded<Message>> {
    using type = Message;
    static std::string encode(Encoded<Message>& response, Codec codec) {
        if (codec == Codec::proto) return std::move(response.proto);
        Message message;
        decode_proto(response.proto, message);
        return encode_message(message, codec);
    }
};

// Maps procedure names (`blockvisor.v1.HostService/Health`) to handlers. Registration checks
// the name and the message types against the descriptors generated from proto/, so a typo
// fails at start-up, not at the first call.
class Router {
public:
    template <class Request, class Response, class Handler>
    void unary(std::string procedure, Handler handler) {
        check<Request, typename ResponseMessage<Response>::type>(procedure, false);
        routes_[std::move(procedure)].unary =
            [handler = std::move(handler)](std::string body, Codec codec,
                                           CallContext& context) -> asio::awaitable<std::string> {
            Request request;
            decode_message(body, codec, request);
            Response response = co_await handler(std::move(request), context);
            co_return ResponseMessage<Response>::encode(response, codec);
        };
    }

    template <class Request, class Response, class Handler>
    void server_stream(std::string procedure, Handler handler) {
        check<Request, Response>(procedure, true);
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

    // Through a contract's procedure: router.add(procedures::ping, this, &Babel::ping).
    template <class Service, class Request, class Response>
    void add(const Procedure<Request, Response, false>& procedure, Service* service,
             asio::awaitable<Response> (Service::*method)(Request, CallContext&)) {
        unary(procedure.name, service, method);
    }
    template <class Service, class Request, class Response>
    void add(const Procedure<Request, Response, true>& procedure, Service* service,
             asio::awaitable<void> (Service::*method)(Request, StreamWriter<Response>&, CallContext&)) {
        server_stream(procedure.name, service, method);
    }

    // Serves the files under `directory` at `prefix` + their relative path, to the requests
    // `authorize` lets through (empty: all). Throws std::logic_error for a prefix that does not
    // start and end with '/'.
    void files(std::string prefix, std::filesystem::path directory, FileAuthorizer authorize = {});

    // Answers GET and HEAD of exactly `path` with what `handler` makes then.
    void page(std::string path, PageHandler handler);

    // Looks up `/package.Service/Method` (the HTTP path) or `package.Service/Method`.
    const Route* find(std::string_view path) const;
    std::vector<std::string> procedures() const;
    // The mount whose prefix starts `path`, if any.
    const FileMount* find_files(std::string_view path) const;
    const PageHandler* find_page(std::string_view path) const;

private:
    template <class Request, class Response>
    static void check(const std::string& procedure, bool server_streaming) {
        if constexpr (kHasJson<Request> && kHasJson<Response>) {
            check_procedure(procedure, Request::descriptor()->full_name(), Response::descriptor()->full_name(),
                            server_streaming);
        } else {
            // Lite messages have no descriptors: the typed node contract (babel/node_contract.hpp)
            // names each procedure with its types instead.
            check_procedure_package(procedure, Request::default_instance().GetTypeName());
        }
    }
    // Against the descriptors generated from proto/ (procedure_check.cpp: only programs with
    // full messages link the descriptor pool).
    static void check_procedure(const std::string& procedure, const std::string& request_type,
                                const std::string& response_type, bool server_streaming);
    // `package.Service/Method`, in the request type's package.
    static void check_procedure_package(const std::string& procedure, const std::string& request_type);

    std::map<std::string, Route, std::less<>> routes_;
    std::vector<FileMount> file_mounts_;
    std::map<std::string, PageHandler, std::less<>> pages_;
};

}  // namespace bv::rpc
