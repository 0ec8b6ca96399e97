#include "support/run_to_end.hpp"

#include <boost/asio/co_spawn.hpp>
#include <exception>
#include <stdexcept>

namespace bv::test {

void run_to_end(boost::asio::io_context& io, boost::asio::awaitable<void> body,
                std::chrono::milliseconds timeout) {
    // An io_context that ran out of work earlier is stopped: it would run nothing.
    io.restart();
    std::exception_ptr failure;
    bool done = false;
    boost::asio::co_spawn(io, std::move(body), [&](std::exception_ptr error) {
        failure = error;
        done = true;
    });
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done && std::chrono::steady_clock::now() < deadline)
        io.run_one_for(std::chrono::milliseconds(50));
    if (!done) throw std::runtime_error("the test's coroutine did not end in time");
    if (failure) std::rethrow_exception(failure);
}

}  // namespace bv::test
