#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace bv::rpc {

namespace asio = boost::asio;
using StreamSocket = asio::generic::stream_protocol::socket;

class HttpTransport;

// Turns a connected socket into a TLS session with a verified peer. The TLS library
// (rpc/tls.hpp) makes them; the HTTP client only calls through this interface, so programs
// that never speak TLS link no OpenSSL.
class TlsClient {
public:
    virtual ~TlsClient() = default;
    // Throws boost::system::system_error when the handshake or the verification of `host` fails.
    virtual asio::awaitable<std::unique_ptr<HttpTransport>> handshake(StreamSocket socket, const std::string& host) const = 0;
};

// Opens a connected socket some other way than plain Unix/TCP: AF_VSOCK, or Firecracker's
// vsock proxy with its CONNECT handshake.
using Connector = std::function<asio::awaitable<StreamSocket>(asio::any_io_executor)>;

// Where an HTTP client connects. Build one with the functions below.
struct Endpoint {
    std::string unix_path;              // a Unix socket, or
    std::string host;                   // a TCP host (name or address) and port,
    std::uint16_t port = 0;
    std::shared_ptr<const TlsClient> tls;  // with TLS when set (certificates verified), or
    Connector connector;                // a custom connector
    std::string description;            // for error messages: "unix socket /run/x.sock"

    std::string host_header() const;
};

Endpoint unix_endpoint(std::string path);
Endpoint tcp_endpoint(std::string host, std::uint16_t port);
Endpoint custom_endpoint(Connector connector, std::string description);

// The parts of an http(s) URL an HTTP client needs. Throws std::invalid_argument with a
// message naming the URL when it is not a usable http(s) URL.
// An https URL's endpoint has no TLS yet: rpc::parse_url_with_tls (rpc/tls.hpp) adds it.
struct HttpUrl {
    Endpoint endpoint;
    std::string base_path;   // "/" when the URL has no path
    std::string query;       // encoded, without the '?'; empty when none
    std::string user_info;   // "user:password" for basic auth, or empty
    bool https = false;
};
HttpUrl parse_http_url(const std::string& url);

}  // namespace bv::rpc
