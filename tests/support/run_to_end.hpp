#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>

namespace bv::test {

// Runs `body` on `io` until it ends; rethrows what it threw. Throws std::runtime_error when it
// has not ended after `timeout`.
void run_to_end(boost::asio::io_context& io, boost::asio::awaitable<void> body,
                std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace bv::test
