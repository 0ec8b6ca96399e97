#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rpc/endpoint.hpp"

namespace bv::rpc {

struct HttpHeader {
    std::string name;
    std::string value;
};

// No deadline: for streams that stay open as long as the caller wants (log follow).
inline constexpr std::chrono::milliseconds kNoTimeout = std::chrono::milliseconds::max();

struct HttpRequest {
    std::string method = "POST";
    std::string target = "/";
    std::vector<HttpHeader> headers;
    std::string body;
    // How long one connection attempt may take, within the request's timeout. A peer whose
    // address is not up yet (a booting VM) drops SYNs without an answer, and the kernel's
    // next SYN comes a second later: a caller that retries does better with a fresh attempt.
    std::chrono::milliseconds connect_timeout = kNoTimeout;
};

struct HttpResponse {
    int status = 0;
    std::vector<HttpHeader> headers;
    std::string body;

    // Case-insensitive; empty when absent.
    std::string_view header(std::string_view name) const;
};

struct HttpClientOptions {
    std::size_t max_response_body = 64 << 20;
    std::size_t max_idle_connections = 8;
    // false: one connection per request ("Connection: close"), as for a download whose each
    // request goes where the URL says. (A server that waits for idle connections before it
    // exits, litecoind 0.21, wants idle_timeout instead.)
    bool keep_alive = true;
    // How long a kept-alive connection may idle: past it, it is shut down (the server sees it
    // close at once) and not reused. For servers that wait for idle connections before they
    // exit (litecoind 0.21): its stop waits at most this long.
    std::chrono::milliseconds idle_timeout = kNoTimeout;
};

class HttpResponseStream;

// An HTTP/1.1 client for one endpoint, keeping idle connections for reuse. Failures are
// thrown as rpc::Error: unavailable (cannot connect, connection lost), deadline_exceeded,
// resource_exhausted (response too large).
class HttpClient {
public:
    HttpClient(asio::any_io_executor executor, Endpoint endpoint, HttpClientOptions options = {});
    ~HttpClient();
    HttpClient(HttpClient&&) noexcept;
    HttpClient& operator=(HttpClient&&) noexcept;

    // The whole response, read within `timeout`.
    asio::awaitable<HttpResponse> request(HttpRequest request, std::chrono::milliseconds timeout);
    // The response's status and headers; its body is read piece by piece from the stream.
    // `timeout` bounds the whole exchange, body included.
    asio::awaitable<HttpResponseStream> open(HttpRequest request, std::chrono::milliseconds timeout);

    const Endpoint& endpoint() const;

    struct Pool;

private:
    std::shared_ptr<Pool> pool_;
};

class HttpResponseStream {
public:
    struct State;
    explicit HttpResponseStream(std::unique_ptr<State> state);
    ~HttpResponseStream();
    HttpResponseStream(HttpResponseStream&&) noexcept;
    HttpResponseStream& operator=(HttpResponseStream&&) noexcept;

    int status() const;
    std::string_view header(std::string_view name) const;
    const std::vector<HttpHeader>& headers() const;
    // The next piece of the body, or nullopt at its end.
    asio::awaitable<std::optional<std::string>> read_some();
    // The rest of the body (up to the client's limit).
    asio::awaitable<std::string> read_all();

private:
    std::unique_ptr<State> state_;
};

}  // namespace bv::rpc
