#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
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

asio::awaitable<Read> read_one(StreamSocket& socket, SocketDeadline& deadline) {
    char byte = 0;
    const auto [error, bytes] = co_await socket.async_read_some(asio::buffer(&byte, 1), as_tuple);
    co_return Read{error, deadline.expired()};
}

// Runs `body` on `io` to its end (at most 5 s).
template <class Body>
void run(asio::io_context& io, Body body) {
    bool finished = false;
    asio::co_spawn(io, body(), [&](std::exception_ptr error) {
        EXPECT_FALSE(error);
        finished = true;
    });
    const auto deadline = Clock::now() + 5s;
    while (!finished && Clock::now() < deadline) io.run_one_for(100ms);
    EXPECT_TRUE(finished);
}

// The peer writes a byte after `delay`.
void peer_writes_after(asio::io_context& io, int peer, std::chrono::milliseconds delay) {
    auto timer = std::make_shared<asio::steady_timer>(io, delay);
    timer->async_wait([timer, peer](const boost::system::error_code&) { EXPECT_EQ(::write(peer, "x", 1), 1); });
}

TEST(SocketDeadline, AReadPastItsDeadlineFailsAndSaysSoAndEndingTheConnectionFailsWhatFollows) {
    asio::io_context io;
    SocketPair pair(io);
    SocketDeadline deadline(pair.ours);
    run(io, [&]() -> asio::awaitable<void> {
        deadline.expires_at(Clock::now() + 20ms);
        const auto late = co_await read_one(pair.ours, deadline);
        EXPECT_EQ(late.error, asio::error::operation_aborted);
        EXPECT_TRUE(late.expired);
        // Shut down: even a byte the peer tries to send now is not read.
        ::send(pair.peer, "x", 1, MSG_NOSIGNAL);
        deadline.expires_never();
        const auto after = co_await read_one(pair.ours, deadline);
        EXPECT_TRUE(after.error) << "read after the connection was ended";
        EXPECT_FALSE(after.expired);
    });
}

TEST(SocketDeadline, ACancellingDeadlineLeavesTheSocketToReadAgain) {
    asio::io_context io;
    SocketPair pair(io);
    SocketDeadline deadline(pair.ours);
    run(io, [&]() -> asio::awaitable<void> {
        deadline.expires_at(Clock::now() + 20ms, OnExpiry::cancel);
        const auto late = co_await read_one(pair.ours, deadline);
        EXPECT_EQ(late.error, asio::error::operation_aborted);
        EXPECT_TRUE(late.expired);
        peer_writes_after(io, pair.peer, 10ms);
        deadline.expires_at(Clock::now() + 5s, OnExpiry::cancel);
        const auto again = co_await read_one(pair.ours, deadline);
        EXPECT_FALSE(again.error) << again.error.message();
        EXPECT_FALSE(again.expired);
    });
}

TEST(SocketDeadline, ADeadlineMovedLaterOrEarlierHoldsAtItsNewTime) {
    asio::io_context io;
    SocketPair pair(io);
    SocketDeadline deadline(pair.ours);
    run(io, [&]() -> asio::awaitable<void> {
        // Later: the timer still waits for the first time, finds the deadline moved and waits on.
        deadline.expires_at(Clock::now() + 20ms);
        deadline.expires_at(Clock::now() + 5s);
        peer_writes_after(io, pair.peer, 100ms);
        const auto in_time = co_await read_one(pair.ours, deadline);
        EXPECT_FALSE(in_time.error) << in_time.error.message();
        EXPECT_FALSE(in_time.expired);
        // Earlier: the timer is moved.
        deadline.expires_at(Clock::now() + 5s);
        const auto started = Clock::now();
        deadline.expires_at(Clock::now() + 20ms);
        const auto late = co_await read_one(pair.ours, deadline);
        EXPECT_TRUE(late.expired);
        EXPECT_LT(Clock::now() - started, 4s) << "the earlier deadline waited for the later one";
    });
}

TEST(SocketDeadline, NoDeadlineCancelsNothingAndAStoppedOneLeavesTheIoContextNothingToWaitFor) {
    asio::io_context io;
    SocketPair pair(io);
    SocketDeadline deadline(pair.ours);
    run(io, [&]() -> asio::awaitable<void> {
        deadline.expires_at(Clock::now() + 20ms);
        deadline.expires_never();
        peer_writes_after(io, pair.peer, 100ms);  // after the timer's first time
        const auto read = co_await read_one(pair.ours, deadline);
        EXPECT_FALSE(read.error) << read.error.message();
        EXPECT_FALSE(read.expired);
        deadline.expires_at(Clock::now() + 1h);
        deadline.stop();
    });
    io.run_for(5s);
    // run_for ended because no work was left, not at its 5 s: the hour's wait is gone. (A `bv`
    // command waited for its kept-alive connection's timer before it could exit.)
    EXPECT_TRUE(io.stopped());
}

TEST(SocketDeadline, GoingAwayWithAWaitPendingLeavesNothingBehind) {
    asio::io_context io;
    SocketPair pair(io);
    std::optional<SocketDeadline> deadline(std::in_place, pair.ours);
    deadline->expires_at(Clock::now() + 20ms);
    deadline.reset();
    io.run_for(5s);
    EXPECT_TRUE(io.stopped());
    // Not shut down: a deadline gone with its wait no longer touches the socket.
    EXPECT_EQ(::write(pair.peer, "x", 1), 1);
    char byte = 0;
    boost::system::error_code error;
    pair.ours.read_some(asio::buffer(&byte, 1), error);
    EXPECT_FALSE(error) << error.message();
}

}  // namespace
}  // namespace bv::rpc
