#include "rpc/tls.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/ssl.hpp>
#include <stdexcept>

#include "rpc/eager_read_socket.hpp"
#include "rpc/http_transport.hpp"

namespace bv::rpc {
namespace {

using TlsStream = asio::ssl::stream<StreamSocket>;

class TlsTransport final : public StreamTransport<TlsStream> {
public:
    using StreamTransport::StreamTransport;

private:
    // A peer that closes without TLS's close_notify has only closed the connection, as a plain
    // socket's EOF says: for a kept-alive connection that means "stale, try a new one".
    boost::system::error_code translate(boost::system::error_code ec) const override {
        return ec == asio::ssl::error::stream_truncated ? boost::system::error_code(asio::error::eof) : ec;
    }
};

class OpenSslClient final : public TlsClient {
public:
    explicit OpenSslClient(const std::string& ca_file) : context_(asio::ssl::context::tls_client) {
        context_.set_verify_mode(asio::ssl::verify_peer);
        boost::system::error_code ec;
        if (ca_file.empty()) {
            context_.set_default_verify_paths(ec);
        } else {
            context_.load_verify_file(ca_file, ec);
        }
        if (ec) {
            throw std::runtime_error("cannot load the CA certificates " +
                                     (ca_file.empty() ? std::string("of this system") : "of " + ca_file) + ": " +
                                     ec.message());
        }
    }

    asio::awaitable<std::unique_ptr<HttpTransport>> handshake(StreamSocket socket, const std::string& host) const override {
        // The context is shared by every connection and never changed after construction.
        TlsStream tls(std::move(socket), const_cast<asio::ssl::context&>(context_));
        if (!SSL_set_tlsext_host_name(tls.native_handle(), host.c_str())) {
            throw boost::system::system_error(
                boost::system::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()));
        }
        tls.set_verify_callback(asio::ssl::host_name_verification(host));
        co_await tls.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
        co_return std::make_unique<TlsTransport>(std::move(tls));
    }

private:
    asio::ssl::context context_;
};

// The server reads eagerly (see EagerReadSocket): a client's end of stream is seen at once.
using ServerTlsStream = asio::ssl::stream<EagerReadSocket>;

// A TLS session as the server's connections see it.
class ErasedTlsStream final : public ErasedStream {
public:
    explicit ErasedTlsStream(ServerTlsStream stream) : stream_(std::move(stream)) {}
    asio::any_io_executor executor() override { return stream_.get_executor(); }
    void read_some(asio::mutable_buffer buffer, ByteHandler handler) override {
        // A peer that closes without close_notify has only closed the connection: EOF, as on
        // a plain socket.
        auto slot = asio::get_associated_cancellation_slot(handler);
        stream_.async_read_some(
            buffer, asio::bind_cancellation_slot(slot, [handler = std::move(handler)](boost::system::error_code ec,
                                                                                      std::size_t bytes) mutable {
                if (ec == asio::ssl::error::stream_truncated) ec = asio::error::eof;
                std::move(handler)(ec, bytes);
            }));
    }
    void write_some(asio::const_buffer buffer, ByteHandler handler) override {
        stream_.async_write_some(buffer, std::move(handler));
    }
    StreamSocket& socket() override { return stream_.next_layer().next_layer(); }

private:
    ServerTlsStream stream_;
};

class OpenSslServer final : public TlsServer {
public:
    OpenSslServer(const std::string& certificate_chain_file, const std::string& private_key_file)
        : context_(asio::ssl::context::tls_server) {
        context_.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                             asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
        boost::system::error_code ec;
        context_.use_certificate_chain_file(certificate_chain_file, ec);
        if (ec) throw std::runtime_error("cannot load the certificate " + certificate_chain_file + ": " + ec.message());
        context_.use_private_key_file(private_key_file, asio::ssl::context::pem, ec);
        if (ec) throw std::runtime_error("cannot load the private key " + private_key_file + ": " + ec.message());
    }

    asio::awaitable<AnyStream> handshake(StreamSocket socket) const override {
        ServerTlsStream tls(EagerReadSocket(std::move(socket)), const_cast<asio::ssl::context&>(context_));
        co_await tls.async_handshake(asio::ssl::stream_base::server, asio::use_awaitable);
        co_return AnyStream(std::make_unique<ErasedTlsStream>(std::move(tls)));
    }

private:
    asio::ssl::context context_;
};

}  // namespace

std::shared_ptr<const TlsServer> make_tls_server(const std::string& certificate_chain_file,
                                                 const std::string& private_key_file) {
    return std::make_shared<OpenSslServer>(certificate_chain_file, private_key_file);
}

std::shared_ptr<const TlsClient> make_tls_client(const std::string& ca_file) {
    return std::make_shared<OpenSslClient>(ca_file);
}

HttpUrl parse_url_with_tls(const std::string& url, const std::string& ca_file) {
    auto parsed = parse_http_url(url);
    if (parsed.https) parsed.endpoint.tls = make_tls_client(ca_file);
    return parsed;
}

}  // namespace bv::rpc
