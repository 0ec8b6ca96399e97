// How rpc::Server treats connections, against raw sockets that behave as no client of ours
// would: half-closed, gone in the middle of a call, idle, slow, too many.
//
// Bounds such as "within 100 ms" are behaviour the server promises, not speed: what they
// measure takes a few milliseconds here, and the margins are for a loaded 2-core machine.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/use_awaitable.hpp>
#include <optional>

#include "support/raw_socket.hpp"
#include "support/rpc_server_fixture.hpp"

namespace bv::test {
namespace {

using namespace std::chrono_literals;
using bvtest::v1::CountResponse;
using bvtest::v1::EchoResponse;
using Clock = std::chrono::steady_clock;

// An Echo call in JSON, as raw HTTP/1.1.
std::string echo_http(const std::string& text, std::uint32_t delay_ms = 0) {
    const auto body = fmt::format(R"({{"text":"{}","delayMs":{}}})", text, delay_ms);
    return fmt::format(
        "POST /{} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: "
        "{}\r\n\r\n{}",
        kEcho, body.size(), body);
}

std::string echo_answer(const std::string& text) {
    return fmt::format(R"({{"text":"{}"}})", text);
}

// Sends `bytes` one at a time, `interval` apart, until the server closes the connection.
// Returns how long after `started` that was (nullopt: never), and counts the bytes sent.
std::optional<Clock::duration> trickle_until_cut(int fd, const std::string& bytes,
                                                 std::chrono::milliseconds interval,
                                                 Clock::time_point started, std::size_t& sent) {
    for (sent = 0; sent < bytes.size(); ++sent) {
        if (closed_by_peer(fd, interval) || !send_all(fd, bytes.substr(sent, 1)))
            return Clock::now() - started;
    }
    if (closed_by_peer(fd, 5s)) return Clock::now() - started;
    return std::nullopt;
}

// The request and the client's end of stream reach the server together (sent before it even
// accepted: one readiness edge), or the end of stream comes while the call runs; either way
// the client still wants its answer, and after it nothing holds the connection open.
TEST_F(RpcTest, HalfClosedClientGetsItsAnswerAndItsConnectionEndsRightAfter) {
    for (const std::uint32_t delay_ms : {0u, 300u}) {
        SCOPED_TRACE(fmt::format("call taking {} ms", delay_ms));
        const int fd = connect_raw();
        ASSERT_GE(fd, 0);
        ASSERT_TRUE(send_all(fd, echo_http("half", delay_ms)));
        ::shutdown(fd, SHUT_WR);
        ReceivedUntilClose received;
        serve_while([&] { received = receive_until_closed(fd, 10s); });
        ::close(fd);
        EXPECT_NE(received.bytes.find("HTTP/1.1 200 OK"), std::string::npos) << received.bytes;
        EXPECT_NE(received.bytes.find(echo_answer("half")), std::string::npos) << received.bytes;
        ASSERT_TRUE(received.closed_at)
            << "the server still holds the half-closed connection after its answer";
        ASSERT_TRUE(received.last_byte_at);
        EXPECT_LT(*received.closed_at - *received.last_byte_at, 100ms);
    }
    EXPECT_EQ(echo_.completed, 2);
    EXPECT_EQ(echo_.cancelled, 0);
    run([&]() -> asio::awaitable<void> {
        const bool closed =
            co_await eventually_async([&] { return server_.open_connections() == 0; }, 1s);
        EXPECT_TRUE(closed);
    });
}

// curl and other HTTP clients may send a request and then shut down their sending side:
// that is not a client gone away, and its call is neither cancelled nor left unanswered.
TEST_F(RpcTest, ClientShuttingDownItsSendingSideDuringACallStillGetsTheAnswer) {
    const int fd = connect_raw();
    ASSERT_TRUE(send_all(fd, echo_http("later", 500)));
    run([&]() -> asio::awaitable<void> {
        const bool started = co_await eventually_async([&] { return echo_.started == 1; });
        EXPECT_TRUE(started);
    });
    ::shutdown(fd, SHUT_WR);
    ReceivedUntilClose received;
    serve_while([&] { received = receive_until_closed(fd, 10s); });
    ::close(fd);
    EXPECT_NE(received.bytes.find(echo_answer("later")), std::string::npos) << received.bytes;
    EXPECT_EQ(echo_.completed, 1);
    EXPECT_EQ(echo_.cancelled, 0);
    ASSERT_TRUE(received.closed_at && received.last_byte_at)
        << "the connection was not closed after the answer";
    EXPECT_LT(*received.closed_at - *received.last_byte_at, 100ms);
}

// A client that closes its socket is gone, half-closed first or not: its call is cancelled
// (a Unix socket reports the close as a hang-up).
TEST_F(RpcTest, ClientClosingItsSocketDuringACallCancelsIt) {
    enum class Close { at_once, half_then_full_together, half_then_full_later };
    for (const auto how :
         {Close::at_once, Close::half_then_full_together, Close::half_then_full_later}) {
        SCOPED_TRACE(static_cast<int>(how));
        const int cancelled_before = echo_.cancelled;
        const int fd = connect_raw();
        ASSERT_TRUE(send_all(fd, echo_http("abandoned", 10'000)));
        run([&]() -> asio::awaitable<void> {
            const bool started =
                co_await eventually_async([&] { return echo_.started > cancelled_before; });
            EXPECT_TRUE(started);
        });
        if (how != Close::at_once) ::shutdown(fd, SHUT_WR);
        if (how == Close::half_then_full_later) {
            // The server sees the end of stream on its own first (nothing shows when it has;
            // the pause only makes the order likely, the test holds in either order).
            run([&]() -> asio::awaitable<void> { co_await pause_for(100ms); });
            EXPECT_EQ(echo_.cancelled, cancelled_before) << "a half-close alone cancelled the call";
        }
        ::close(fd);
        run([&]() -> asio::awaitable<void> {
            const bool cancelled =
                co_await eventually_async([&] { return echo_.cancelled == cancelled_before + 1; });
            EXPECT_TRUE(cancelled) << "the call of a client that closed its socket still runs";
            const bool closed =
                co_await eventually_async([&] { return server_.open_connections() == 0; });
            EXPECT_TRUE(closed);
        });
    }
    EXPECT_EQ(echo_.completed, 0);
}

// Small timeouts so that the tests are quick: a connection must send its first request
// header within 1 s of being accepted, a kept-alive one within 1 s of its first byte, and
// may idle 500 ms between requests.
class TimeoutRpcTest : public RpcTest {
protected:
    TimeoutRpcTest()
        : RpcTest(rpc::ServerLimits{
              .header_timeout = 1s, .idle_timeout = 500ms, .idle_timeout_near_limit = 500ms}) {}
};

// Slow loris: a header byte every 100 ms is never a pause longer than any timeout, but the
// header as a whole would take 10 s.
TEST_F(TimeoutRpcTest, SlowHeaderIsCutAtTheHeaderTimeout) {
    const int fd = connect_raw();
    ASSERT_GE(fd, 0);
    const auto request = echo_http("slow");
    std::size_t sent = 0;
    std::optional<Clock::duration> cut_after;
    serve_while([&] { cut_after = trickle_until_cut(fd, request, 100ms, Clock::now(), sent); });
    ::close(fd);
    ASSERT_TRUE(cut_after) << "a client sending its header a byte at a time was never cut";
    EXPECT_LT(sent, request.find("\r\n\r\n"));
    EXPECT_GE(*cut_after, 900ms) << "cut before its header timeout";
    EXPECT_LT(*cut_after, 3s) << "cut long after its header timeout";
    EXPECT_EQ(echo_.started, 0);
}

TEST_F(TimeoutRpcTest, SlowHeaderOnAKeptAliveConnectionIsCutAtTheHeaderTimeout) {
    const int fd = connect_raw();
    ASSERT_GE(fd, 0);
    std::string first_answer;
    std::size_t sent = 0;
    std::optional<Clock::duration> cut_after;
    serve_while([&] {
        if (!send_all(fd, echo_http("first"))) return;
        first_answer = receive_until(fd, echo_answer("first"), 5s);
        // Its first byte comes at once: from then on the header timeout counts, not the
        // (shorter) idle timeout.
        cut_after = trickle_until_cut(fd, echo_http("second"), 100ms, Clock::now(), sent);
    });
    ::close(fd);
    EXPECT_NE(first_answer.find(echo_answer("first")), std::string::npos) << first_answer;
    ASSERT_TRUE(cut_after) << "a client sending its header a byte at a time was never cut";
    EXPECT_GE(*cut_after, 900ms);
    EXPECT_LT(*cut_after, 3s);
    EXPECT_EQ(echo_.started, 1);
}

TEST_F(TimeoutRpcTest, ConnectionThatSendsNothingIsClosed) {
    const int fd = connect_raw();
    ASSERT_GE(fd, 0);
    const auto connected = Clock::now();
    ReceivedUntilClose received;
    serve_while([&] { received = receive_until_closed(fd, 10s); });
    ::close(fd);
    ASSERT_TRUE(received.closed_at) << "a connection that sends nothing is held";
    EXPECT_GE(*received.closed_at - connected, 450ms);
    EXPECT_LT(*received.closed_at - connected, 3s);
}

TEST_F(TimeoutRpcTest, KeptAliveConnectionIsClosedAfterTheIdleTimeout) {
    const int fd = connect_raw();
    ASSERT_GE(fd, 0);
    ReceivedUntilClose received;
    serve_while([&] {
        if (send_all(fd, echo_http("once"))) received = receive_until_closed(fd, 10s);
    });
    ::close(fd);
    EXPECT_NE(received.bytes.find(echo_answer("once")), std::string::npos) << received.bytes;
    ASSERT_TRUE(received.closed_at && received.last_byte_at)
        << "an idle kept-alive connection is held";
    EXPECT_GE(*received.closed_at - *received.last_byte_at, 450ms);
    EXPECT_LT(*received.closed_at - *received.last_byte_at, 3s);
}

// A connection serving a call is never idle: a stream (writing a heartbeat every 100 ms, or
// nothing for longer than every timeout) and a long unary call run to their end, and the
// connection serves the next call after them.
TEST_F(TimeoutRpcTest, StreamsAndLongCallsOutliveTheIdleAndHeaderTimeouts) {
    run([&]() -> asio::awaitable<void> {
        auto echo = client();
        auto heartbeats = co_await echo.open_stream<CountResponse>(kCount, count_request(15, 100));
        std::uint32_t received = 0;
        for (;;) {
            const auto message = co_await heartbeats.next();
            if (!message) break;
            received = message->number();
        }
        EXPECT_EQ(received, 15u);
        auto silent = co_await echo.open_stream<CountResponse>(kCount, count_request(1, 1200));
        const auto message = co_await silent.next();
        EXPECT_TRUE(message) << "the silent stream was cut";
        const auto end = co_await silent.next();
        EXPECT_FALSE(end);
        const auto slow = co_await echo.call<EchoResponse>(kEcho, echo_request("slow", 1200), 5s);
        EXPECT_EQ(slow.text(), "slow");
    });
    EXPECT_EQ(server_.accepted_connections(), 1u);
}

// Near its limit (4 of 5 connections) the server gives idle connections 200 ms instead of 30 s.
class NearLimitRpcTest : public RpcTest {
protected:
    NearLimitRpcTest()
        : RpcTest(rpc::ServerLimits{.idle_timeout = 30s,
                                    .idle_timeout_near_limit = 200ms,
                                    .near_limit_percent = 80,
                                    .max_connections = 5}) {}
};

TEST_F(NearLimitRpcTest, IdleConnectionsGetTheShortIdleTimeoutNearTheLimit) {
    const int idle = connect_raw();
    ASSERT_GE(idle, 0);
    std::string answer;
    serve_while([&] {
        if (send_all(idle, echo_http("idle")))
            answer = receive_until(idle, echo_answer("idle"), 5s);
    });
    ASSERT_NE(answer.find(echo_answer("idle")), std::string::npos) << answer;
    run([&]() -> asio::awaitable<void> {
        // Three times the short timeout: far from the limit, the idle connection stays.
        co_await pause_for(600ms);
        EXPECT_EQ(server_.open_connections(), 1u);
        // Three streams make four connections of five.
        auto a = client();
        auto b = client();
        auto c = client();
        auto first = co_await a.open_stream<CountResponse>(kCount, count_request(100'000, 50));
        auto second = co_await b.open_stream<CountResponse>(kCount, count_request(100'000, 50));
        auto third = co_await c.open_stream<CountResponse>(kCount, count_request(100'000, 50));
        const bool idle_closed =
            co_await eventually_async([&] { return server_.open_connections() == 3; }, 3s);
        EXPECT_TRUE(idle_closed) << "the idle connection is still open near the limit";
        for (auto* stream : {&first, &second, &third}) {
            const auto message = co_await stream->next();
            EXPECT_TRUE(message) << "a stream was cut";
        }
    });
    EXPECT_TRUE(closed_by_peer(idle));
    ::close(idle);
}

class SlowClientRpcTest : public RpcTest {
protected:
    SlowClientRpcTest()
        : RpcTest(rpc::ServerLimits{.write_timeout = 200ms, .max_connections = 2}) {}
};

// A client that asks for a long stream and then reads nothing: the server's writes wait on
// it, until the write timeout drops the connection (before, it held it and the call forever).
TEST_F(SlowClientRpcTest, ClientThatStopsReadingIsDropped) {
    const int fd = connect_raw();
    ASSERT_GE(fd, 0);
    const std::string payload = R"({"count": 100000000})";
    std::string request =
        "POST /bvtest.v1.EchoService/Count HTTP/1.1\r\nHost: test\r\n"
        "Content-Type: application/connect+json\r\nContent-Length: " +
        std::to_string(5 + payload.size()) + "\r\n\r\n";
    request += std::string{'\0', '\0', '\0', '\0', static_cast<char>(payload.size())} + payload;
    ASSERT_TRUE(send_all(fd, request));
    run([&]() -> asio::awaitable<void> {
        const bool open =
            co_await eventually_async([&] { return server_.open_connections() == 1; });
        EXPECT_TRUE(open);
        const bool dropped =
            co_await eventually_async([&] { return server_.open_connections() == 0; }, 10s);
        EXPECT_TRUE(dropped) << "a client that reads nothing still holds its connection";
    });
    ::close(fd);
}

// Idle connections cannot keep others out: at the limit, the one idle the longest goes.
TEST_F(SlowClientRpcTest, AtTheLimitTheConnectionIdleTheLongestMakesRoom) {
    const int first = connect_raw();
    const int second = connect_raw();
    const int third = connect_raw();
    ASSERT_GE(third, 0);
    run([&]() -> asio::awaitable<void> {
        const bool oldest_closed = co_await eventually_async([&] { return closed_by_peer(first); });
        EXPECT_TRUE(oldest_closed) << "the oldest idle connection was not closed for the new one";
        const bool two_open =
            co_await eventually_async([&] { return server_.open_connections() == 2; });
        EXPECT_TRUE(two_open);
        EXPECT_FALSE(closed_by_peer(second));
        EXPECT_FALSE(closed_by_peer(third));
        // And one more, a client of ours, gets its call through.
        const auto response =
            co_await client().call<EchoResponse>(kEcho, echo_request("let in"), 5s);
        EXPECT_EQ(response.text(), "let in");
        const bool next_oldest_closed =
            co_await eventually_async([&] { return closed_by_peer(second); });
        EXPECT_TRUE(next_oldest_closed);
    });
    EXPECT_FALSE(closed_by_peer(third));
    for (const int fd : {first, second, third}) ::close(fd);
}

// Calls in progress are never cut to make room: with every connection serving, the new
// one is closed instead.
TEST_F(SlowClientRpcTest, AtTheLimitWithEveryConnectionServingTheNewOneIsClosed) {
    run([&]() -> asio::awaitable<void> {
        auto a = client();
        auto b = client();
        auto first = co_await a.open_stream<CountResponse>(kCount, count_request(100'000, 20));
        auto second = co_await b.open_stream<CountResponse>(kCount, count_request(100'000, 20));
        const int refused = connect_raw();
        const bool closed = co_await eventually_async([&] { return closed_by_peer(refused); });
        EXPECT_TRUE(closed) << "a connection over the limit was let in";
        ::close(refused);
        const auto from_first = co_await first.next();
        const auto from_second = co_await second.next();
        EXPECT_TRUE(from_first && from_second) << "a stream was cut to make room";
    });
}

}  // namespace
}  // namespace bv::test
