#include <gtest/gtest.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "common/async.hpp"

namespace bv {
namespace {

using namespace std::chrono_literals;

asio::awaitable<int> answer_after(std::chrono::milliseconds delay) {
    co_await sleep_for(delay);
    co_return 42;
}

template <class Body>
void run_loop(Body body) {
    asio::io_context io;
    std::exception_ptr failure;
    asio::co_spawn(io, body(), [&](std::exception_ptr error) { failure = error; });
    io.run();
    if (failure) std::rethrow_exception(failure);
}

TEST(WithTimeout, GivesTheResultInTimeNothingLateAndTheOperationsError) {
    run_loop([]() -> asio::awaitable<void> {
        EXPECT_EQ(co_await with_timeout(answer_after(1ms), 5s), 42);
        EXPECT_EQ(co_await with_timeout(answer_after(5s), 5ms), std::nullopt);
        auto failing = []() -> asio::awaitable<void> {
            co_await sleep_for(1ms);
            throw std::runtime_error("broken");
        };
        try {
            co_await with_timeout(failing(), 5s);
            ADD_FAILURE() << "the error was lost";
        } catch (const std::runtime_error& error) {
            EXPECT_STREQ(error.what(), "broken");
        }
    });
}

// Cancelled from outside, it is no timeout: it ends as the cancelled operation would.
TEST(WithTimeout, CancelledFromOutsideThrowsOperationAbortedAtOnce) {
    asio::io_context io;
    asio::cancellation_signal cancel;
    std::exception_ptr outcome;
    bool returned = false;
    asio::co_spawn(io,
                   [&]() -> asio::awaitable<void> {
                       co_await with_timeout(answer_after(10s), 10s);
                       returned = true;
                   },
                   asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr error) { outcome = error; }));
    asio::post(io, [&] { cancel.emit(asio::cancellation_type::terminal); });
    const auto started = std::chrono::steady_clock::now();
    io.run();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    EXPECT_FALSE(returned) << "a cancellation was taken for a timeout";
    ASSERT_TRUE(outcome);
    try {
        std::rethrow_exception(outcome);
    } catch (const boost::system::system_error& error) {
        EXPECT_EQ(error.code(), asio::error::operation_aborted) << error.what();
    }
}

}  // namespace
}  // namespace bv
