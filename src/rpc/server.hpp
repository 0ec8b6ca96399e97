#pragma once

#include <sys/types.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "rpc/connection_table.hpp"
#include "rpc/router.hpp"

namespace bv::rpc {

class TlsServer;  // rpc/any_stream.hpp; made by rpc/tls.hpp

using Acceptor = asio::basic_socket_acceptor<asio::generic::stream_protocol>;

// Listens on a Unix socket at `path` with file mode `mode`. A socket file left behind by a
// process that is gone is replaced; the caller makes sure no live server owns it (lock file).
Acceptor listen_unix(asio::any_io_executor executor, const std::string& path, mode_t mode);
// Listens on a TCP address; port 0 picks a free port (see bound_port).
Acceptor listen_tcp(asio::any_io_executor executor, const std::string& address, std::uint16_t port);
std::uint16_t bound_port(const Acceptor& acceptor);
// Takes over a socket another process bound and listens on (it made it before starting this
// one: connections made before this process accepts wait in the socket's queue). Marks it
// close-on-exec. Throws std::system_error when `fd` is not a listening socket.
Acceptor adopt_listener(asio::any_io_executor executor, int fd);

// Serves the Connect protocol over HTTP/1.1: unary and server-streaming calls, proto and
// JSON, deadlines, cancellation when the client goes away, and errors that never take the
// server down. Connections are bounded by `ServerLimits`; `max_connections` is lowered to
// three quarters of the process's open file limit when that is smaller.
class Server {
public:
    Server(const Router& router, std::string name, ServerLimits limits = {});
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Accepts connections until shutdown() or cancellation; each is served concurrently.
    asio::awaitable<void> serve(Acceptor acceptor);
    asio::awaitable<void> serve_tls(Acceptor acceptor, std::shared_ptr<const TlsServer> tls);
    // Stops accepting and closes idle connections; calls in flight get up to `grace` to
    // finish, then they are cancelled.
    asio::awaitable<void> shutdown(std::chrono::milliseconds grace);

    std::size_t accepted_connections() const;
    // Connections whose socket is still open, those told to close included.
    std::size_t open_connections() const;

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace bv::rpc
