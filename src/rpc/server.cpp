#include "rpc/server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <algorithm>
#include <functional>
#include <variant>

#include "common/async.hpp"
#include "common/log.hpp"
#include "rpc/any_stream.hpp"
#include "rpc/eager_read_socket.hpp"
#include "rpc/endpoint.hpp"
#include "rpc/envelope.hpp"
#include "rpc/error.hpp"
#include "rpc/file_response.hpp"
#include "rpc/protocol.hpp"
#include "rpc/socket_deadline.hpp"

namespace bv::rpc {
namespace {

// A write that waited longer than the write timeout: the connection is dropped.
struct ClientStoppedReading : boost::system::system_error {
    ClientStoppedReading() : system_error(asio::error::timed_out, "the client read nothing for too long") {}
};

namespace beast = boost::beast;
namespace http = beast::http;
using namespace asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;
constexpr auto use_awaitable = asio::use_awaitable;
constexpr auto as_tuple = asio::as_tuple(asio::use_awaitable);

// Bytes a client may send while its call runs (a pipelined next request) before we stop
// reading them.
constexpr std::size_t kMaxPipelinedBytes = 1 << 20;

// The client sent all it will send (with TLS its close_notify, or a bare FIN: the TLS stream
// reports both as EOF).
bool is_end_of_stream(const boost::system::error_code& ec) { return ec == asio::error::eof; }

// Whether the peer closed its socket, not only its sending side, or the connection broke. A
// Unix socket reports the peer's close as a hang-up at once; TCP cannot tell a close from a
// half-close and says so only once a write of ours met a reset.
bool peer_hung_up(StreamSocket& socket) {
    pollfd probe{socket.native_handle(), 0, 0};  // POLLHUP and POLLERR are reported unasked
    return ::poll(&probe, 1, 0) == 1 && (probe.revents & (POLLHUP | POLLERR)) != 0;
}

std::uint64_t open_file_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
        return std::numeric_limits<std::uint64_t>::max();
    }
    return limit.rlim_cur;
}

ServerLimits limits_for_this_process(const std::string& name, const ServerLimits& wanted) {
    const auto file_limit = open_file_limit();
    auto limits = within_open_file_limit(wanted, file_limit);
    if (limits.max_connections < wanted.max_connections) {
        log::warn("{}: the open file limit of {} leaves room for {} connections instead of {} (raise it: ulimit -n, "
                  "or LimitNOFILE= in the service)",
                  name, file_limit, limits.max_connections, wanted.max_connections);
    }
    return limits;
}

std::string join(const std::vector<std::string>& names) {
    std::string joined;
    for (const auto& name : names) joined += (joined.empty() ? "" : ", ") + name;
    return joined;
}

// Completes at `deadline` with no error, or when cancelled with one: an error code, not an
// exception, as it is cancelled at every call that ends in time.
asio::awaitable<boost::system::error_code> wait_until(std::optional<Clock::time_point> deadline) {
    asio::steady_timer timer(co_await asio::this_coro::executor, deadline.value_or(Clock::time_point::max()));
    const auto [error] = co_await timer.async_wait(as_tuple);
    co_return error;
}

// wait_until's error: the whole call was cancelled from outside, not timed out.
void throw_if_cancelled(const boost::system::error_code& error) {
    if (error) throw boost::system::system_error(error);
}

}  // namespace

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
    const Router& router;
    std::string name;
    ServerLimits limits;
    bool stopping = false;
    std::size_t accepted = 0;
    std::vector<Acceptor*> acceptors;
    ConnectionTable connections;
    asio::steady_timer* connection_ended = nullptr;  // woken when a connection ends

    Impl(const Router& r, std::string n, const ServerLimits& l)
        : router(r), name(std::move(n)), limits(limits_for_this_process(name, l)), connections(limits) {}

    // Serves one accepted connection (plain, or TLS when serve_tls set it up).
    using ConnectionRunner =
        std::function<asio::awaitable<void>(std::shared_ptr<Impl>, StreamSocket, ConnectionTable::Handle, Clock::time_point)>;
    void start_connection(StreamSocket socket, const ConnectionRunner& run, Clock::time_point accepted_at);
};

namespace {

// Serves the requests of one connection, one after the other (HTTP/1.1 keep-alive).
template <class Stream>
class Connection {
public:
    Connection(std::shared_ptr<Server::Impl> server, Stream stream, ConnectionTable::Handle handle,
               Clock::time_point accepted_at)
        : server_(std::move(server)),
          stream_(std::move(stream)),
          deadline_(beast::get_lowest_layer(stream_)),
          handle_(handle),
          accepted_at_(accepted_at) {}

    asio::awaitable<void> run() {
        try {
            for (bool first = true; !server_->stopping; first = false) {
                auto request = co_await read_request(first);
                if (!request) break;
                server_->connections.set_phase(handle_, ConnectionPhase::serving);
                const bool keep_alive = co_await serve(*request);
                if (!keep_alive) break;
            }
        } catch (const boost::system::system_error& error) {
            log::debug("{}: connection ended: {}", server_->name, error.code().message());
        }
        boost::system::error_code ignored;
        beast::get_lowest_layer(stream_).shutdown(asio::socket_base::shutdown_both, ignored);
        beast::get_lowest_layer(stream_).close(ignored);
    }

private:
    // The next request; nullopt when the connection is to close: the client has finished
    // (EOF) or is gone, sent nothing or too little in time, or got an error answer.
    asio::awaitable<std::optional<http::request<http::string_body>>> read_request(bool first) {
        const auto& limits = server_->limits;
        server_->connections.set_phase(handle_, ConnectionPhase::awaiting_request);
        if (buffer_.size() == 0) {
            const bool arrived = co_await wait_for_request(first ? accepted_at_ : Clock::now(), first);
            if (!arrived) co_return std::nullopt;
        }
        server_->connections.set_phase(handle_, ConnectionPhase::reading_request);
        const auto header_deadline = (first ? accepted_at_ : Clock::now()) + limits.header_timeout;
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
        parser.body_limit(limits.max_body_bytes);
        const bool header_read =
            co_await read_within(http::async_read_header(stream_, buffer_, parser, as_tuple), header_deadline, "header");
        if (!header_read) co_return std::nullopt;
        if (!parser.is_done()) {
            const bool body_read = co_await read_within(http::async_read(stream_, buffer_, parser, as_tuple),
                                                        Clock::now() + limits.body_timeout, "body");
            if (!body_read) co_return std::nullopt;
        }
        co_return parser.release();
    }

    // Waits for a request's first bytes, as long as the server allows now; false when none
    // came in time, or the connection is to close. The allowed time shrinks while the server is
    // near its limit: it is looked at again at least every `idle_timeout_near_limit`.
    asio::awaitable<bool> wait_for_request(Clock::time_point since, bool first) {
        for (;;) {
            const auto deadline = since + server_->connections.request_wait_limit(first);
            const auto now = Clock::now();
            if (now >= deadline) {
                log::debug("{}: closing a connection that sent no request in time", server_->name);
                co_return false;
            }
            deadline_.expires_at(std::min(deadline, now + server_->limits.idle_timeout_near_limit), OnExpiry::cancel);
            const auto ec = co_await read_more();
            const bool look_again = ec == asio::error::operation_aborted && deadline_.expired();
            deadline_.expires_never();
            if (!look_again) co_return !ec;
        }
    }

    // One read of a request's header or body, until `deadline`; false when the connection is
    // to close (the part did not come in time, or the read failed or got an error answer).
    asio::awaitable<bool> read_within(asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> read,
                                      Clock::time_point deadline, const char* part) {
        deadline_.expires_at(deadline);
        const auto [ec, bytes] = co_await std::move(read);
        const bool late = deadline_.expired();
        deadline_.expires_never();
        if (late) {
            log::debug("{}: closing a connection whose request {} did not come in time", server_->name, part);
            co_return false;
        }
        if (!ec) co_return true;
        co_await answer_read_error(ec);
        co_return false;
    }

    // Reads what the client sent into the buffer, where the parser finds it.
    asio::awaitable<boost::system::error_code> read_more() {
        auto [ec, bytes] = co_await stream_.async_read_some(buffer_.prepare(4096), as_tuple);
        buffer_.commit(bytes);
        co_return ec;
    }

    asio::awaitable<void> answer_read_error(const boost::system::error_code& ec) {
        if (ec == http::error::body_limit) {
            co_await write_error(Error(Code::resource_exhausted,
                                       "request body larger than " + std::to_string(server_->limits.max_body_bytes) + " bytes"),
                                 413, false);
        } else if (ec == http::error::header_limit) {
            co_await write_error(Error(Code::resource_exhausted, "request headers larger than " +
                                                                    std::to_string(server_->limits.max_header_bytes) + " bytes"),
                                 431, false);
        } else if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
                   ec != http::error::end_of_stream && ec != http::error::partial_message) {
            co_await write_error(Error(Code::invalid_argument, "malformed HTTP request: " + ec.message()), 400, false);
        }
    }

    // Returns whether the connection stays open for another request.
    asio::awaitable<bool> serve(http::request<http::string_body>& request) {
        const bool keep_alive = request.keep_alive() && !server_->stopping;
        const auto target = std::string_view(request.target());
        const auto path = target.substr(0, target.find('?'));
        const bool get = request.method() == http::verb::get || request.method() == http::verb::head;
        if (const auto* page = get ? server_->router.find_page(path) : nullptr) {
            co_return co_await serve_page((*page)(), request.method() == http::verb::head, keep_alive);
        }
        if (const auto* mount = get ? server_->router.find_files(path) : nullptr) {
            co_return co_await serve_file(*mount, request, path, keep_alive);
        }
        if (request.method() != http::verb::post) {
            co_await write_error(Error(Code::unimplemented, "Connect calls are POST requests"), 405, keep_alive,
                                 {{"Allow", "POST"}});
            co_return keep_alive;
        }
        const Route* route = server_->router.find(path);
        if (route == nullptr) {
            co_await write_error(Error(Code::unimplemented, "unknown procedure '" + std::string(path) +
                                                                "'; " + server_->name +
                                                                " serves: " + join(server_->router.procedures())),
                                 404, keep_alive);
            co_return keep_alive;
        }
        const bool streaming = static_cast<bool>(route->server_stream);
        const auto content_type_header = std::string_view(request[http::field::content_type]);
        const auto content_type = parse_content_type(content_type_header);
        if (!content_type || content_type->streaming != streaming) {
            const auto accepted = streaming ? "application/connect+json, application/connect+proto"
                                            : "application/json, application/proto";
            co_await write_error(Error(Code::unimplemented, "content type '" + std::string(content_type_header) +
                                                                "' is not supported by " + std::string(path) +
                                                                "; use one of: " + accepted),
                                 415, keep_alive, {{"Accept-Post", accepted}});
            co_return keep_alive;
        }
        const auto version = std::string_view(request[kProtocolVersionHeader]);
        if (!version.empty() && version != "1") {
            co_await write_error(Error(Code::invalid_argument, "unsupported Connect-Protocol-Version '" +
                                                                   std::string(version) + "'; this server speaks 1"),
                                 400, keep_alive);
            co_return keep_alive;
        }
        CallContext context;
        if (const auto timeout_header = std::string_view(request[kTimeoutHeader]); !timeout_header.empty()) {
            const auto timeout = parse_timeout(timeout_header);
            if (!timeout) {
                co_await write_error(Error(Code::invalid_argument, "invalid Connect-Timeout-Ms '" +
                                                                       std::string(timeout_header) +
                                                                       "': expected 1 to 10 digits"),
                                     400, keep_alive);
                co_return keep_alive;
            }
            context.deadline = Clock::now() + *timeout;
        }
        for (const auto& field : request) {
            context.headers[ascii_lowercase(field.name_string())] = std::string(field.value());
        }
        log::debug("{}: call {}", server_->name, path);
        if (streaming) co_return co_await serve_stream(*route, request.body(), context, content_type->codec, keep_alive);
        co_return co_await serve_unary(*route, std::move(request.body()), context, content_type->codec, keep_alive);
    }

    // A file of a directory the router mounts: rpc/file_response.hpp makes the answer.
    asio::awaitable<bool> serve_file(const FileMount& mount, const http::request<http::string_body>& request,
                                     std::string_view path, bool keep_alive) {
        if (mount.authorize) {
            std::optional<Error> refused;
            try {
                CallContext context;
                for (const auto& field : request) {
                    context.headers[ascii_lowercase(field.name_string())] = std::string(field.value());
                }
                mount.authorize(context);
            } catch (const Error& error) {
                refused = error;
            }
            if (refused) {
                co_await write_error(*refused, http_status_of(refused->code()), keep_alive);
                co_return keep_alive;
            }
        }
        auto answer = answer_file_request(mount.directory, path.substr(mount.prefix.size()),
                                          request.method() == http::verb::head, request[http::field::range], keep_alive);
        co_await within_write_timeout(asio::async_write(stream_, asio::buffer(answer.head), use_awaitable));
        while (!answer.content.done()) {
            const auto piece = co_await answer.content.read_some();
            co_await within_write_timeout(asio::async_write(stream_, asio::buffer(piece), use_awaitable));
        }
        co_return keep_alive;
    }

    asio::awaitable<bool> serve_page(Page page, bool head_only, bool keep_alive) {
        http::response<http::string_body> response{static_cast<http::status>(page.status), 11};
        response.set(http::field::content_type, page.content_type);
        response.keep_alive(keep_alive);
        const auto length = page.body.size();
        // A HEAD's answer has the GET's Content-Length and no body. (The same write as every other
        // answer's: another instantiation of Beast's writer would grow bv-node by 100 KB.)
        if (!head_only) response.body() = std::move(page.body);
        response.content_length(length);
        co_await within_write_timeout(http::async_write(stream_, response, use_awaitable));
        co_return keep_alive;
    }

    // A struct, not the variant itself: awaitable operator|| would flatten a variant.
    struct UnaryOutcome {
        std::variant<std::string, Error> result;
    };

    asio::awaitable<UnaryOutcome> invoke_unary(const Route& route, std::string body, Codec codec, CallContext& context) {
        try {
            co_return UnaryOutcome{co_await route.unary(std::move(body), codec, context)};
        } catch (const Error& error) {
            co_return UnaryOutcome{error};
        } catch (const std::exception& error) {
            co_return UnaryOutcome{internal_error(error)};
        }
    }

    asio::awaitable<bool> serve_unary(const Route& route, std::string body, CallContext& context, Codec codec,
                                      bool keep_alive) {
        // The call's deadline cancels the watch for the client's going (the only operation on
        // the socket meanwhile), which ends the call: no timer and no third racer of its own.
        if (context.deadline) deadline_.expires_at(*context.deadline, OnExpiry::cancel);
        auto outcome = co_await (invoke_unary(route, std::move(body), codec, context) || client_gone());
        const bool late = deadline_.expired();
        deadline_.expires_never();
        if (outcome.index() == 1) {
            if (!late) co_return false;  // the client is gone: nobody to answer
            co_await write_error(deadline_error(), http_status_of(Code::deadline_exceeded), keep_alive);
            co_return keep_alive;
        }
        auto& result = std::get<0>(outcome).result;
        if (auto* error = std::get_if<Error>(&result)) {
            co_await write_error(*error, http_status_of(error->code()), keep_alive);
            co_return keep_alive;
        }
        http::response<http::string_body> response{http::status::ok, 11};
        response.set(http::field::content_type, content_type_name({codec, false}));
        response.keep_alive(keep_alive);
        response.body() = std::move(std::get<std::string>(result));
        response.prepare_payload();
        co_await within_write_timeout(http::async_write(stream_, response, use_awaitable));
        co_return keep_alive;
    }

    asio::awaitable<std::optional<Error>> invoke_stream(const Route& route, std::string body, Codec codec,
                                                        RawStreamWriter& writer, CallContext& context) {
        try {
            co_await route.server_stream(std::move(body), codec, writer, context);
            co_return std::nullopt;
        } catch (const Error& error) {
            co_return error;
        } catch (const ClientStoppedReading&) {
            // Nobody to tell: with a frame cut off (`writing`), the connection goes. Not
            // thrown on: operator|| would wait for the next operation instead.
            co_return std::nullopt;
        } catch (const std::exception& error) {
            co_return internal_error(error);
        }
    }

    asio::awaitable<bool> serve_stream(const Route& route, const std::string& enveloped_body, CallContext& context,
                                       Codec codec, bool keep_alive) {
        http::response<http::empty_body> header{http::status::ok, 11};
        header.set(http::field::content_type, content_type_name({codec, true}));
        header.keep_alive(keep_alive);
        header.chunked(true);
        http::response_serializer<http::empty_body> serializer{header};
        co_await within_write_timeout(http::async_write_header(stream_, serializer, use_awaitable));

        bool writing = false;
        RawStreamWriter writer = [this, &writing](std::string payload) -> asio::awaitable<void> {
            const auto frame = encode_envelope(0, payload);
            writing = true;
            co_await within_write_timeout(asio::async_write(stream_, http::make_chunk(asio::buffer(frame)), use_awaitable));
            writing = false;
        };
        std::optional<Error> error;
        try {
            auto body = single_message(enveloped_body);
            auto outcome = co_await (invoke_stream(route, std::move(body), codec, writer, context) ||
                                     client_gone() || wait_until(context.deadline));
            if (outcome.index() == 1) co_return false;
            if (outcome.index() == 2) throw_if_cancelled(std::get<2>(outcome));
            error = outcome.index() == 2 ? std::optional<Error>(deadline_error()) : std::get<0>(outcome);
        } catch (const Error& bad_request) {
            error = bad_request;
        }
        // A message cut off in the middle cannot be followed by anything readable.
        if (writing) co_return false;
        const auto end = encode_envelope(kEnvelopeEndOfStream, end_of_stream_json(error ? &*error : nullptr));
        co_await within_write_timeout(asio::async_write(stream_, http::make_chunk(asio::buffer(end)), use_awaitable));
        co_await within_write_timeout(asio::async_write(stream_, http::make_chunk_last(), use_awaitable));
        co_return keep_alive;
    }

    // The request message of a server-streaming call: exactly one envelope.
    std::string single_message(const std::string& body) const {
        EnvelopeReader reader(server_->limits.max_body_bytes);
        reader.feed(body);
        auto envelope = reader.next();
        if (!envelope || envelope->end_of_stream() || reader.has_partial_envelope() || reader.next()) {
            throw Error(Code::invalid_argument, "a server-streaming request carries exactly one enveloped message");
        }
        return std::move(envelope->payload);
    }

    // Completes when the client is gone, which cancels its call. Bytes it sends meanwhile are
    // kept for the next request. A client that only shut down its sending side (EOF) still
    // wants its answer (HTTP clients may send a request that way): from then on, only a
    // hang-up of its socket says that it left.
    // A passed deadline ends it too (it cancels the read or wait under way; a deadline that
    // passed between two of them is seen before the next).
    asio::awaitable<void> client_gone() {
        while (buffer_.size() < kMaxPipelinedBytes) {
            if (deadline_.expired()) co_return;
            const auto ec = co_await read_more();
            if (is_end_of_stream(ec)) break;
            if (ec) co_return;
        }
        auto& socket = beast::get_lowest_layer(stream_);
        while (!peer_hung_up(socket) && !deadline_.expired()) {
            // Woken by the socket's next event (edge-triggered: not by the EOF already seen).
            auto [ec] = co_await socket.async_wait(asio::socket_base::wait_read, as_tuple);
            if (ec) co_return;
        }
    }

    asio::awaitable<void> write_error(const Error& error, int status, bool keep_alive,
                                      std::initializer_list<std::pair<const char*, const char*>> extra_headers = {}) {
        http::response<http::string_body> response;
        response.version(11);
        response.result(static_cast<unsigned>(status));
        if (status == 499) response.reason("Client Closed Request");
        response.set(http::field::content_type, "application/json");
        for (const auto& [name, value] : extra_headers) response.set(name, value);
        response.keep_alive(keep_alive);
        response.body() = error_to_json(error);
        response.prepare_payload();
        co_await within_write_timeout(http::async_write(stream_, response, use_awaitable));
    }

    // A client that stops reading must not hold its connection and its call forever; a write
    // cut in the middle leaves nothing readable, so the connection goes.
    template <class T>
    asio::awaitable<void> within_write_timeout(asio::awaitable<T> write) {
        deadline_.expires_at(Clock::now() + server_->limits.write_timeout);
        try {
            co_await std::move(write);
        } catch (const boost::system::system_error&) {
            if (deadline_.expired()) throw ClientStoppedReading();
            throw;
        }
        deadline_.expires_never();
    }

    Error internal_error(const std::exception& error) const {
        log::error("{}: call failed unexpectedly: {}", server_->name, error.what());
        return Error(Code::internal, error.what());
    }

    static Error deadline_error() {
        return Error(Code::deadline_exceeded, "the call did not finish within its Connect-Timeout-Ms deadline");
    }

    std::shared_ptr<Server::Impl> server_;
    Stream stream_;
    SocketDeadline deadline_;  // of the request's read, or of a write
    ConnectionTable::Handle handle_;
    Clock::time_point accepted_at_;
    beast::flat_buffer buffer_;
};

asio::awaitable<void> run_plain_connection(std::shared_ptr<Server::Impl> server, StreamSocket socket,
                                           ConnectionTable::Handle handle, Clock::time_point accepted_at) {
    Connection<EagerReadSocket> connection(std::move(server), EagerReadSocket(std::move(socket)), handle, accepted_at);
    co_await connection.run();
}

asio::awaitable<void> run_tls_connection(std::shared_ptr<Server::Impl> server, StreamSocket socket,
                                         std::shared_ptr<const TlsServer> tls, ConnectionTable::Handle handle,
                                         Clock::time_point accepted_at) {
    std::optional<AnyStream> stream;
    try {
        // The handshake is part of what a new connection sends before its first request.
        stream = co_await with_timeout(tls->handshake(std::move(socket)), accepted_at + server->limits.header_timeout - Clock::now());
    } catch (const boost::system::system_error& error) {
        log::debug("{}: TLS handshake failed: {}", server->name, error.code().message());
        co_return;
    }
    if (!stream) {
        log::debug("{}: TLS handshake timed out", server->name);
        co_return;
    }
    Connection<AnyStream> connection(std::move(server), std::move(*stream), handle, accepted_at);
    co_await connection.run();
}

// At the limit, the connection idle the longest goes so that the new one can come in: a
// client holding idle connections cannot keep others out. Only when every connection serves
// a call is the new one refused. Returns whether it may come in.
bool make_room(Server::Impl& server) {
    auto& connections = server.connections;
    if (!connections.full()) return true;
    auto* oldest_idle = connections.close_oldest_idle();
    if (oldest_idle == nullptr) {
        log::warn("{}: all {} connections serve calls, the most it takes: closing a new one", server.name,
                  connections.counted());
        return false;
    }
    log::debug("{}: {} connections open, the most it takes: closing the one idle the longest", server.name,
               connections.counted() + 1);
    oldest_idle->cancel.emit(asio::cancellation_type::terminal);
    return true;
}

// The runner is chosen by serve() or serve_tls(), so that a program that never serves TLS
// does not link its connection code.
asio::awaitable<void> accept_loop(std::shared_ptr<Server::Impl> server, Acceptor acceptor,
                                  Server::Impl::ConnectionRunner run) {
    server->acceptors.push_back(&acceptor);
    while (!server->stopping) {
        auto [ec, socket] = co_await acceptor.async_accept(as_tuple);
        if (ec == asio::error::operation_aborted || server->stopping) break;
        if (ec) {
            // Out of file descriptors, most likely: wait a little instead of spinning.
            log::warn("{}: accepting a connection failed: {}", server->name, ec.message());
            asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
            co_await pause.async_wait(as_tuple);
            continue;
        }
        ++server->accepted;
        if (!make_room(*server)) continue;  // the socket closes as it goes out of scope
        server->start_connection(std::move(socket), run, Clock::now());
    }
    std::erase(server->acceptors, &acceptor);
}

}  // namespace

void Server::Impl::start_connection(StreamSocket socket, const ConnectionRunner& run, Clock::time_point accepted_at) {
    auto executor = socket.get_executor();
    auto handle = connections.add();
    auto on_end = [self = shared_from_this(), handle](std::exception_ptr error) {
        if (error) {
            try {
                std::rethrow_exception(error);
            } catch (const boost::system::system_error& e) {
                // Told to close (to make room, or at shutdown) before it had begun: expected.
                if (e.code() == asio::error::operation_aborted) {
                    log::debug("{}: connection closed before it began", self->name);
                } else {
                    log::error("{}: connection failed: {}", self->name, e.what());
                }
            } catch (const std::exception& e) {
                log::error("{}: connection failed: {}", self->name, e.what());
            }
        }
        self->connections.remove(handle);
        if (self->connection_ended != nullptr) self->connection_ended->cancel();
    };
    auto slot = handle->cancel.slot();
    asio::co_spawn(executor, run(shared_from_this(), std::move(socket), handle, accepted_at),
                   asio::bind_cancellation_slot(slot, std::move(on_end)));
}

Server::Server(const Router& router, std::string name, ServerLimits limits)
    : impl_(std::make_shared<Impl>(router, std::move(name), limits)) {}

Server::~Server() {
    // Connections still running keep Impl alive; they must not wake a timer that is gone.
    impl_->connection_ended = nullptr;
}

asio::awaitable<void> Server::serve(Acceptor acceptor) { co_await accept_loop(impl_, std::move(acceptor), run_plain_connection); }

asio::awaitable<void> Server::serve_tls(Acceptor acceptor, std::shared_ptr<const TlsServer> tls) {
    co_await accept_loop(impl_, std::move(acceptor),
                         [tls](std::shared_ptr<Impl> server, StreamSocket socket, ConnectionTable::Handle handle,
                               Clock::time_point accepted_at) {
                             return run_tls_connection(std::move(server), std::move(socket), tls, handle, accepted_at);
                         });
}

asio::awaitable<void> Server::shutdown(std::chrono::milliseconds grace) {
    auto impl = impl_;
    impl->stopping = true;
    for (auto* acceptor : impl->acceptors) {
        boost::system::error_code ignored;
        acceptor->close(ignored);
    }
    for (auto* idle : impl->connections.close_idle()) idle->cancel.emit(asio::cancellation_type::terminal);
    asio::steady_timer connection_ended(co_await asio::this_coro::executor);
    impl->connection_ended = &connection_ended;
    auto wait_for_connections = [&](Clock::time_point deadline) -> asio::awaitable<void> {
        while (!impl->connections.empty() && Clock::now() < deadline) {
            connection_ended.expires_at(deadline);
            co_await connection_ended.async_wait(as_tuple);
        }
    };
    co_await wait_for_connections(Clock::now() + grace);
    for (auto* serving : impl->connections.close_all()) serving->cancel.emit(asio::cancellation_type::terminal);
    co_await wait_for_connections(Clock::now() + std::chrono::seconds(1));
    impl->connection_ended = nullptr;
}

std::size_t Server::accepted_connections() const { return impl_->accepted; }
std::size_t Server::open_connections() const { return impl_->connections.size(); }

Acceptor listen_unix(asio::any_io_executor executor, const std::string& path, mode_t mode) {
    struct stat status {};
    if (::lstat(path.c_str(), &status) == 0 && S_ISSOCK(status.st_mode)) ::unlink(path.c_str());
    Acceptor acceptor(executor,
                      asio::generic::stream_protocol::endpoint(asio::local::stream_protocol::endpoint(path)));
    if (::chmod(path.c_str(), mode) != 0) {
        throw std::system_error(errno, std::generic_category(), "cannot set the mode of " + path);
    }
    return acceptor;
}

Acceptor adopt_listener(asio::any_io_executor executor, int fd) {
    sockaddr_storage address{};
    socklen_t address_size = sizeof address;
    int listening = 0;
    socklen_t listening_size = sizeof listening;
    const bool is_socket = ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &address_size) == 0 &&
                           ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &listening_size) == 0;
    if (!is_socket || listening == 0) {
        throw std::system_error(is_socket ? EINVAL : errno, std::generic_category(),
                                "file descriptor " + std::to_string(fd) + " is not a listening socket");
    }
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    Acceptor acceptor(executor);
    acceptor.assign(asio::generic::stream_protocol(address.ss_family, 0), fd);
    return acceptor;
}

Acceptor listen_tcp(asio::any_io_executor executor, const std::string& address, std::uint16_t port) {
    const asio::ip::tcp::endpoint endpoint(asio::ip::make_address(address), port);
    Acceptor acceptor(executor, asio::generic::stream_protocol::endpoint(endpoint));
    // An answer goes out in several writes (header, body, stream frames, TLS records): with
    // Nagle, the last waits for the client's delayed ACK, 40 ms a call (measured with curl
    // against bv-api). Accepted sockets inherit the option from the listener on Linux.
    acceptor.set_option(asio::ip::tcp::no_delay(true));
    return acceptor;
}

std::uint16_t bound_port(const Acceptor& acceptor) {
    const auto endpoint = acceptor.local_endpoint();
    if (endpoint.data()->sa_family == AF_INET) {
        return ntohs(reinterpret_cast<const sockaddr_in*>(endpoint.data())->sin_port);
    }
    if (endpoint.data()->sa_family == AF_INET6) {
        return ntohs(reinterpret_cast<const sockaddr_in6*>(endpoint.data())->sin6_port);
    }
    return 0;
}

}  // namespace bv::rpc
