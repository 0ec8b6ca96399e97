#pragma once

#include <boost/asio/append.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>

#include "rpc/endpoint.hpp"

namespace bv::rpc {

// A socket whose reads first ask the kernel themselves. After a read that returned fewer
// bytes than it asked for, Asio's epoll reactor (edge-triggered) waits for the next readiness
// edge before it reads again; a client's end of stream that arrived in the same edge as its
// last bytes (a request, then shutdown(SHUT_WR)) brings no further edge, so the next read
// waited for the idle timer instead of seeing the end at once (measured: 120 s).
class EagerReadSocket {
public:
    using executor_type = StreamSocket::executor_type;
    using lowest_layer_type = StreamSocket::lowest_layer_type;

    explicit EagerReadSocket(StreamSocket socket) : socket_(std::move(socket)) {
        // Only the synchronous read below: asynchronous operations are non-blocking anyway.
        socket_.non_blocking(true);
    }

    executor_type get_executor() { return socket_.get_executor(); }
    StreamSocket& next_layer() { return socket_; }
    lowest_layer_type& lowest_layer() { return socket_.lowest_layer(); }
    const lowest_layer_type& lowest_layer() const { return socket_.lowest_layer(); }

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        return asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
            [this](auto handler, const MutableBuffers& buffers) {
                boost::system::error_code ec;
                const std::size_t bytes = socket_.read_some(buffers, ec);
                if (ec == asio::error::would_block) {
                    socket_.async_read_some(buffers, std::move(handler));
                    return;
                }
                asio::post(socket_.get_executor(), asio::append(std::move(handler), ec, bytes));
            },
            token, buffers);
    }

    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return socket_.async_write_some(buffers, std::forward<Token>(token));
    }

private:
    StreamSocket socket_;
};

}  // namespace bv::rpc
