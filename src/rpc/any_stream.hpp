#pragma once

// A byte stream behind virtual calls, usable wherever Asio and Beast want an async stream.
// The server serves TLS connections through it, so that its HTTP code is compiled once and
// OpenSSL is linked only by the programs that make a TLS stream (rpc/tls.hpp).

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <memory>

#include "rpc/endpoint.hpp"

namespace bv::rpc {

using ByteHandler = asio::any_completion_handler<void(boost::system::error_code, std::size_t)>;

class ErasedStream {
public:
    virtual ~ErasedStream() = default;
    virtual asio::any_io_executor executor() = 0;
    virtual void read_some(asio::mutable_buffer buffer, ByteHandler handler) = 0;
    virtual void write_some(asio::const_buffer buffer, ByteHandler handler) = 0;
    // The socket under it (for shutdown and close).
    virtual StreamSocket& socket() = 0;
};

class AnyStream {
public:
    using executor_type = asio::any_io_executor;
    using next_layer_type = StreamSocket;

    explicit AnyStream(std::unique_ptr<ErasedStream> stream) : stream_(std::move(stream)) {}

    executor_type get_executor() { return stream_->executor(); }
    // Beast's get_lowest_layer follows next_layer() down to the socket.
    StreamSocket& next_layer() { return stream_->socket(); }

    // One buffer at a time, the first that is not empty: a "some" operation may transfer
    // less than asked (TLS streams write only the first buffer anyway).
    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        return asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
            [](ByteHandler handler, ErasedStream* stream, asio::mutable_buffer buffer) {
                stream->read_some(buffer, std::move(handler));
            },
            token, stream_.get(), first_buffer<asio::mutable_buffer>(buffers));
    }

    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
            [](ByteHandler handler, ErasedStream* stream, asio::const_buffer buffer) {
                stream->write_some(buffer, std::move(handler));
            },
            token, stream_.get(), first_buffer<asio::const_buffer>(buffers));
    }

private:
    template <class Buffer, class Buffers>
    static Buffer first_buffer(const Buffers& buffers) {
        for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers); ++it) {
            Buffer buffer(*it);
            if (buffer.size() > 0) return buffer;
        }
        return Buffer();
    }

    std::unique_ptr<ErasedStream> stream_;
};

// Makes TLS server sessions: the TLS library implements it (rpc/tls.hpp).
class TlsServer {
public:
    virtual ~TlsServer() = default;
    // Handshakes on `socket`. Throws boost::system::system_error when the handshake fails.
    virtual asio::awaitable<AnyStream> handshake(StreamSocket socket) const = 0;
};

}  // namespace bv::rpc
