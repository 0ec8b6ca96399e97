#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace bv::rpc {

namespace asio = boost::asio;
using StreamSocket = asio::generic::stream_protocol::socket;

// Opens a connected socket some other way than plain Unix/TCP: AF_VSOCK, or Firecracker's
// vsock proxy with its CONNECT handshake.
using Connector = std::function<asio::awaitable<StreamSocket>(asio::any_io_executor)>;

// Where an HTTP client connects. Build one with the functions below.
struct Endpoint {
    std::string unix_path;              // a Unix socket, or
    std::string host;                   // a TCP host (name or address) and port,
    std::uint16_t port = 0;
    std::shared_ptr<asio::ssl::context> tls;  // with TLS when set (certificates verified), or
    Connector connector;                // a custom connector
    std::string description;            // for error messages: "unix socket /run/x.sock"

    std::string host_header() const;
};

Endpoint unix_endpoint(std::string path);
Endpoint tcp_endpoint(std::string host, std::uint16_t port);
Endpoint custom_endpoint(Connector connector, std::string description);

// A TLS client context that verifies the peer against the system's CA store, or against the
// PEM file `ca_file` when it is not empty.
std::shared_ptr<asio::ssl::context> make_tls_client_context(const std::string& ca_file = {});

// The parts of an http(s) URL an HTTP client needs. Throws std::invalid_argument with a
// message naming the URL when it is not a usable http(s) URL.
struct HttpUrl {
    Endpoint endpoint;
    std::string base_path;   // "/" when the URL has no path
    std::string user_info;   // "user:password" for basic auth, or empty
};
HttpUrl parse_http_url(const std::string& url, const std::string& ca_file = {});

}  // namespace bv::rpc
