#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "rpc/socket_deadline.hpp"

namespace bv::rpc {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
constexpr auto as_tuple = asio::as_tuple(asio::use_awaitable);

// One end of a connected pair as the socket under test; the other end is the peer's.
struct SocketPair {
    explicit SocketPair(asio::io_context& io) : ours(io) {
        int ends[2];
        EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, ends), 0);
        ours.assign(asio::generic::stream_protocol(AF_UNIX, SOCK_STREAM), ends[0]);
        peer = ends[1];
    }
    ~SocketPair() { ::close(peer); }

    StreamSocket ours;
    int peer = -1;
};

// What one read of the socket under test got.
struct Read {
    boost::system::error_code error;
    bool expired = false;
};

// A socket of a connected pair under a deadline, and an io_context to run them.
class SocketDeadlineTest : public ::testing::Test {
protected:
    asio::awaitable<Read> read_one() {
        char byte = 0;
        const auto [error, bytes] = co_await pair_.ours.async_read_some(asio::buffer(&byte, 1), as_tuple);
        co_return Read{error, deadline_.expired()};
    }

    // Runs `body` on the io_context to its end (at most 5 s).
    template <class Body>
    void run(Body body) {
        bool finished = false;
        asio::co_spawn(io_, body(), [&](std::exception_ptr error) {
            EXPECT_FALSE(error);
            finished = true;
        });
        const auto deadline = Clock::now() + 5s;
        while (!finished && Clock::now() < deadline) io_.run_one_for(100ms);
        EXPECT_TRUE(finished);
    }

    // The peer writes a byte after `delay`.
    void peer_writes_after(std::chrono::milliseconds delay) {
        auto timer = std::make_shared<asio::steady_timer>(io_, delay);
        timer->async_wait([timer, peer = pair_.peer](const boost::system::error_code&) { EXPECT_EQ(::write(peer, "x", 1), 1); });
    }

    asio::io_context io_;
    SocketPair pair_{io_};
    SocketDeadline deadline_{pair_.ours};
};

TEST_F(SocketDeadlineTest, AReadPastItsDeadlineFailsAndSaysSoAndEndingTheConnectionFailsWhatFollows) {
    run([&]() -> asio::awaitable<void> {
        deadline_.expires_at(Clock::now() + 20ms);
        const auto late = co_await read_one();
        EXPECT_EQ(late.error, asio::error::operation_aborted);
        EXPECT_TRUE(late.expired);
        // Shut down: even a byte the peer tries to send now is not read.
        ::send(pair_.peer, "x", 1, MSG_NOSIGNAL);
        deadline_.expires_never();
        const auto after = co_await read_one();
        EXPECT_TRUE(after.error) << "read after the connection was ended";
        EXPECT_FALSE(after.expired);
    });
}

TEST_F(SocketDeadlineTest, ACancellingDeadlineLeavesTheSocketToReadAgain) {
    run([&]() -> asio::awaitable<void> {
        deadline_.expires_at(Clock::now() + 20ms, OnExpiry::cancel);
        const auto late = co_await read_one();
        EXPECT_EQ(late.error, asio::error::operation_aborted);
        EXPECT_TRUE(late.expired);
        peer_writes_after(10ms);
        deadline_.expires_at(Clock::now() + 5s, OnExpiry::cancel);
        const auto again = co_await read_one();
        EXPECT_FALSE(again.error) << again.error.message();
        EXPECT_FALSE(again.expired);
    });
}

TEST_F(SocketDeadlineTest, ADeadlineMovedLaterOrEarlierHoldsAtItsNewTime) {
    run([&]() -> asio::awaitable<void> {
        // Later: the timer still waits for the first time, finds the deadline moved and waits on.
        deadline_.expires_at(Clock::now() + 20ms);
        deadline_.expires_at(Clock::now() + 5s);
        peer_writes_after(100ms);
        const auto in_time = co_await read_one();
        EXPECT_FALSE(in_time.error) << in_time.error.message();
        EXPECT_FALSE(in_time.expired);
        // Earlier: the timer is moved.
        deadline_.expires_at(Clock::now() + 5s);
        const auto started = Clock::now();
        deadline_.expires_at(Clock::now() + 20ms);
        const auto late = co_await read_one();
        EXPECT_TRUE(late.expired);
        EXPECT_LT(Clock::now() - started, 4s) << "the earlier deadline waited for the later one";
    });
}

TEST_F(SocketDeadlineTest, NoDeadlineCancelsNothingAndAStoppedOneLeavesTheIoContextNothingToWaitFor) {
    run([&]() -> asio::awaitable<void> {
        deadline_.expires_at(Clock::now() + 20ms);
        deadline_.expires_never();
        peer_writes_after(100ms);  // after the timer's first time
        const auto read = co_await read_one();
        EXPECT_FALSE(read.error) << read.error.message();
        EXPECT_FALSE(read.expired);
        deadline_.expires_at(Clock::now() + 1h);
        deadline_.stop();
    });
    io_.run_for(5s);
    // run_for ended because no work was left, not at its 5 s: the hour's wait is gone. (A `bv`
    // command waited for its kept-alive connection's timer before it could exit.)
    EXPECT_TRUE(io_.stopped());
}

TEST_F(SocketDeadlineTest, GoingAwayWithAWaitPendingLeavesNothingBehind) {
    std::optional<SocketDeadline> deadline(std::in_place, pair_.ours);
    deadline->expires_at(Clock::now() + 20ms);
    deadline.reset();
    io_.run_for(5s);
    EXPECT_TRUE(io_.stopped());
    // Not shut down: a deadline gone with its wait no longer touches the socket.
    EXPECT_EQ(::write(pair_.peer, "x", 1), 1);
    char byte = 0;
    boost::system::error_code error;
    pair_.ours.read_some(asio::buffer(&byte, 1), error);
    EXPECT_FALSE(error) << error.message();
}

}  // namespace
}  // namespace bv::rpc
