#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <stdexcept>

#include "common/log.hpp"

namespace bv {
namespace {

namespace asio = boost::asio;

// What a detached coroutine that ends in `outcome` leaves on stderr.
std::string logged_after(std::function<void()> outcome) {
    log::init("test", log::Level::info);
    asio::io_context io;
    testing::internal::CaptureStderr();
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> {
            outcome();
            co_return;
        },
        log::LogFailure{"serving the node channel"});
    io.run();
    return testing::internal::GetCapturedStderr();
}

TEST(LogFailure, ADetachedCoroutineThatThrowsIsLoggedWithItsTask) {
    const auto logged = logged_after([] { throw std::runtime_error("listen: address in use"); });
    EXPECT_NE(logged.find("serving the node channel failed: listen: address in use"), std::string::npos) << logged;
}

TEST(LogFailure, ACancelledOrFinishedCoroutineLogsNothing) {
    EXPECT_EQ(logged_after([] {}), "");
    EXPECT_EQ(logged_after([] { throw boost::system::system_error(asio::error::operation_aborted); }), "");
}

}  // namespace
}  // namespace bv
