#include "rpc/http_client.hpp"

#include <strings.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <limits>

#include "common/async.hpp"
#include "rpc/error.hpp"
#include "rpc/http_transport.hpp"
#include "rpc/name_resolver.hpp"
#include "rpc/socket_deadline.hpp"

namespace bv::rpc {
namespace {

namespace beast = boost::beast;
using Clock = std::chrono::steady_clock;
constexpr auto use_awaitable = asio::use_awaitable;
constexpr auto as_tuple = asio::as_tuple(asio::use_awaitable);

std::string_view find_header(const std::vector<HttpHeader>& headers, std::string_view name) {
    for (const auto& header : headers) {
        if (header.name.size() == name.size() &&
            strncasecmp(header.name.data(), name.data(), name.size()) == 0) {
            return header.value;
        }
    }
    return {};
}

// Runs `operation` within what is left until `deadline` (if any).
template <class T>
asio::awaitable<T> before_deadline(asio::awaitable<T> operation, std::optional<Clock::time_point> deadline,
                                   const std::string& what) {
    if (!deadline) co_return co_await std::move(operation);
    const auto left = std::max(*deadline - Clock::now(), Clock::duration::zero());
    auto result = co_await with_timeout(std::move(operation), left);
    if (!result) throw Error(Code::deadline_exceeded, what + ": timed out");
    if constexpr (!std::is_void_v<T>) co_return std::move(*result);
}

bool is_stale_connection_error(const boost::system::error_code& ec) {
    return ec == http::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
}

}  // namespace

struct Connection {
    explicit Connection(std::unique_ptr<HttpTransport> t) : transport(std::move(t)), deadline(transport->socket()) {}

    std::unique_ptr<HttpTransport> transport;
    beast::flat_buffer buffer;
    SocketDeadline deadline;  // the request's, while one is under way
};

struct HttpClient::Pool {
    asio::any_io_executor executor;
    Endpoint endpoint;
    HttpClientOptions options;
    std::vector<std::unique_ptr<Connection>> idle;

    void give_back(std::unique_ptr<Connection> connection) {
        if (idle.size() >= options.max_idle_connections) return;  // closed as it goes
        if (options.idle_timeout == kNoTimeout) {
            connection->deadline.stop();
        } else {
            connection->deadline.expires_at(Clock::now() + options.idle_timeout);
        }
        idle.push_back(std::move(connection));
    }
};

struct HttpResponseStream::State {
    std::weak_ptr<HttpClient::Pool> pool;
    std::unique_ptr<Connection> connection;
    http::response_parser<http::buffer_body> parser;
    std::string description;
    std::size_t max_body = 0;
    std::vector<HttpHeader> headers;
    int status = 0;
    // Where the body's bytes land before they are handed out: allocated once, never zeroed
    // (a zeroed 64 KiB per read was a quarter of `bv node list`'s instructions at 1,000 nodes).
    static constexpr std::size_t kReadSize = 64 * 1024;
    std::unique_ptr<char[]> read_buffer = std::make_unique_for_overwrite<char[]>(kReadSize);
};

namespace {

// Tries the host's addresses in order. Names are resolved by the process's resolver, never
// by glibc's getaddrinfo (rpc/name_resolver.hpp says why).
asio::awaitable<StreamSocket> connect_tcp(asio::any_io_executor executor, const Endpoint& endpoint) {
    const auto addresses = co_await resolve_host(endpoint.host);
    boost::system::error_code last_error = asio::error::host_not_found;
    for (const auto& address : addresses) {
        StreamSocket socket(executor);
        const asio::ip::tcp::endpoint target(address, endpoint.port);
        auto [ec] = co_await socket.async_connect(asio::generic::stream_protocol::endpoint(target), as_tuple);
        if (!ec) {
            socket.set_option(asio::ip::tcp::no_delay(true));
            co_return socket;
        }
        last_error = ec;
    }
    throw boost::system::system_error(last_error);
}

asio::awaitable<std::unique_ptr<Connection>> connect(const HttpClient::Pool& pool) {
    const auto& endpoint = pool.endpoint;
    StreamSocket socket(pool.executor);
    if (endpoint.connector) {
        socket = co_await endpoint.connector(pool.executor);
    } else if (!endpoint.unix_path.empty()) {
        co_await socket.async_connect(
            asio::generic::stream_protocol::endpoint(asio::local::stream_protocol::endpoint(endpoint.unix_path)),
            use_awaitable);
    } else {
        socket = co_await connect_tcp(pool.executor, endpoint);
    }
    if (endpoint.tls) {
        co_return std::make_unique<Connection>(co_await endpoint.tls->handshake(std::move(socket), endpoint.host));
    }
    co_return std::make_unique<Connection>(std::make_unique<StreamTransport<StreamSocket>>(std::move(socket)));
}

asio::awaitable<void> send_and_read_header(HttpResponseStream::State& state, const HttpRequest& request,
                                           const std::string& host_header, bool keep_alive) {
    http::request<http::string_body> message;
    message.method_string(request.method);
    message.target(request.target);
    message.version(11);
    message.set(http::field::host, host_header);
    for (const auto& header : request.headers) message.set(header.name, header.value);
    message.body() = request.body;
    message.keep_alive(keep_alive);
    message.prepare_payload();

    auto& connection = *state.connection;
    const auto written = co_await connection.transport->write(message);
    if (written) throw boost::system::system_error(written);
    state.parser.header_limit(64 * 1024);
    state.parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    const auto read = co_await connection.transport->read_header(connection.buffer, state.parser);
    if (read) throw boost::system::system_error(read);
}

}  // namespace

HttpClient::HttpClient(asio::any_io_executor executor, Endpoint endpoint, HttpClientOptions options)
    : pool_(std::make_shared<Pool>(Pool{std::move(executor), std::move(endpoint), options, {}})) {}
HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

const Endpoint& HttpClient::endpoint() const { return pool_->endpoint; }

asio::awaitable<HttpResponse> HttpClient::request(HttpRequest request, std::chrono::milliseconds timeout) {
    auto stream = co_await open(std::move(request), timeout);
    HttpResponse response;
    response.status = stream.status();
    response.headers = stream.headers();
    response.body = co_await stream.read_all();
    co_return response;
}

asio::awaitable<HttpResponseStream> HttpClient::open(HttpRequest request, std::chrono::milliseconds timeout) {
    const auto& description = pool_->endpoint.description;
    std::optional<Clock::time_point> deadline;
    if (timeout != kNoTimeout) deadline = Clock::now() + timeout;

    for (int attempt = 0;; ++attempt) {
        auto state = std::make_unique<HttpResponseStream::State>();
        state->pool = pool_;
        state->description = description;
        state->max_body = pool_->options.max_response_body;
        while (!state->connection && !pool_->idle.empty()) {
            auto idle = std::move(pool_->idle.back());
            pool_->idle.pop_back();
            if (!idle->deadline.expired()) state->connection = std::move(idle);  // else shut down: idle too long
        }
        const bool reused = state->connection != nullptr;
        if (!reused) {
            try {
                auto connect_deadline = deadline;
                auto connecting = "connecting to " + description;
                if (request.connect_timeout != kNoTimeout &&
                    (!deadline || Clock::now() + request.connect_timeout < *deadline)) {
                    connect_deadline = Clock::now() + request.connect_timeout;
                    connecting += " (an attempt of at most " + std::to_string(request.connect_timeout.count()) + " ms)";
                }
                state->connection = co_await before_deadline(connect(*pool_), connect_deadline, connecting);
            } catch (const boost::system::system_error& error) {
                throw Error(Code::unavailable, "cannot connect to " + description + ": " + error.code().message());
            }
        }
        auto& connection_deadline = state->connection->deadline;
        if (deadline) {
            connection_deadline.expires_at(*deadline);
        } else {
            connection_deadline.expires_never();
        }
        try {
            co_await send_and_read_header(*state, request, pool_->endpoint.host_header(), pool_->options.keep_alive);
        } catch (const boost::system::system_error& error) {
            if (connection_deadline.expired()) throw Error(Code::deadline_exceeded, "waiting for " + description + " to answer: timed out");
            // A kept-alive connection the server has closed in the meantime: try a new one.
            if (reused && attempt == 0 && is_stale_connection_error(error.code())) continue;
            throw Error(Code::unavailable, "request to " + description + " failed: " + error.code().message());
        }
        const auto& header = state->parser.get();
        state->status = static_cast<int>(header.result_int());
        for (const auto& field : header) {
            state->headers.push_back({std::string(field.name_string()), std::string(field.value())});
        }
        co_return HttpResponseStream(std::move(state));
    }
}

HttpResponseStream::HttpResponseStream(std::unique_ptr<State> state) : state_(std::move(state)) {}
HttpResponseStream::~HttpResponseStream() = default;
HttpResponseStream::HttpResponseStream(HttpResponseStream&&) noexcept = default;
HttpResponseStream& HttpResponseStream::operator=(HttpResponseStream&&) noexcept = default;

int HttpResponseStream::status() const { return state_->status; }

std::string_view HttpResponseStream::header(std::string_view name) const { return find_header(state_->headers, name); }

const std::vector<HttpHeader>& HttpResponseStream::headers() const { return state_->headers; }

std::string_view HttpResponse::header(std::string_view name) const { return find_header(headers, name); }

asio::awaitable<std::optional<std::string>> HttpResponseStream::read_some() {
    auto& state = *state_;
    if (!state.connection) co_return std::nullopt;
    while (!state.parser.is_done()) {
        state.parser.get().body().data = state.read_buffer.get();
        state.parser.get().body().size = State::kReadSize;
        auto& connection = *state.connection;
        // Beast reads no more than the buffer's free room (512 bytes after a header): 150 reads
        // for a 75 KB answer (`bv node list` at 1,000 nodes) instead of two.
        if (connection.buffer.capacity() < State::kReadSize) connection.buffer.reserve(State::kReadSize);
        auto ec = co_await connection.transport->read_some(connection.buffer, state.parser);
        if (connection.deadline.expired()) {
            state.connection.reset();
            throw Error(Code::deadline_exceeded, "reading the response of " + state.description + ": timed out");
        }
        if (ec == http::error::need_buffer) ec = {};
        if (ec) {
            state.connection.reset();
            throw Error(Code::unavailable, "reading the response of " + state.description + " failed: " + ec.message());
        }
        const auto received = State::kReadSize - state.parser.get().body().size;
        if (received > 0) co_return std::string(state.read_buffer.get(), received);
    }
    auto pool = state.pool.lock();
    if (pool && state.parser.keep_alive()) pool->give_back(std::move(state.connection));
    state.connection.reset();
    co_return std::nullopt;
}

asio::awaitable<std::string> HttpResponseStream::read_all() {
    std::string body;
    for (;;) {
        const auto piece = co_await read_some();
        if (!piece) break;
        body += *piece;
        if (body.size() > state_->max_body) {
            state_->connection.reset();
            throw Error(Code::resource_exhausted, "the response of " + state_->description + " is larger than " +
                                                      std::to_string(state_->max_body) + " bytes");
        }
    }
    co_return body;
}

}  // namespace bv::rpc
