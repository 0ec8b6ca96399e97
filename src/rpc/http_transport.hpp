#pragma once

// The byte stream under one HTTP client connection: a plain socket, or TLS over one. Only the
// HTTP client and the TLS library include this (Beast's HTTP templates are heavy); the TLS
// library supplies its transport through TlsClient (endpoint.hpp), so that programs without
// TLS (the node side) link no OpenSSL.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "rpc/endpoint.hpp"

namespace bv::rpc {

namespace http = boost::beast::http;

using HttpRequestMessage = http::request<http::string_body>;
using HttpResponseParser = http::response_parser<http::buffer_body>;

class HttpTransport {
public:
    virtual ~HttpTransport() = default;
    virtual asio::awaitable<boost::system::error_code> write(HttpRequestMessage& request) = 0;
    virtual asio::awaitable<boost::system::error_code> read_header(boost::beast::flat_buffer& buffer,
                                                                   HttpResponseParser& parser) = 0;
    virtual asio::awaitable<boost::system::error_code> read_some(boost::beast::flat_buffer& buffer,
                                                                 HttpResponseParser& parser) = 0;
    // The socket under it (for its deadline).
    virtual StreamSocket& socket() = 0;
};

// A transport over any Beast-compatible stream. `translate` lets a stream report its own
// errors in the plain socket's terms (TLS: a peer that closed without close_notify is EOF).
template <class Stream>
class StreamTransport : public HttpTransport {
public:
    explicit StreamTransport(Stream stream) : stream_(std::move(stream)) {}

    asio::awaitable<boost::system::error_code> write(HttpRequestMessage& request) override {
        auto [ec, bytes] = co_await http::async_write(stream_, request, asio::as_tuple(asio::use_awaitable));
        co_return translate(ec);
    }
    asio::awaitable<boost::system::error_code> read_header(boost::beast::flat_buffer& buffer,
                                                           HttpResponseParser& parser) override {
        auto [ec, bytes] = co_await http::async_read_header(stream_, buffer, parser, asio::as_tuple(asio::use_awaitable));
        co_return translate(ec);
    }
    asio::awaitable<boost::system::error_code> read_some(boost::beast::flat_buffer& buffer,
                                                         HttpResponseParser& parser) override {
        auto [ec, bytes] = co_await http::async_read_some(stream_, buffer, parser, asio::as_tuple(asio::use_awaitable));
        co_return translate(ec);
    }
    StreamSocket& socket() override { return boost::beast::get_lowest_layer(stream_); }

protected:
    virtual boost::system::error_code translate(boost::system::error_code ec) const { return ec; }

private:
    Stream stream_;
};

}  // namespace bv::rpc
