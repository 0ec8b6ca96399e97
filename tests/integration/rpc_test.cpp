// src/rpc end to end in one process: our client and server over real sockets.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <atomic>
#include <cstring>
#include <thread>

#include "rpc/tls.hpp"
#include "support/raw_socket.hpp"
#include "support/rpc_server_fixture.hpp"
#include "support/test_certificate.hpp"

namespace bv::test {
namespace {

using namespace std::chrono_literals;
using bvtest::v1::CountRequest;
using bvtest::v1::CountResponse;
using bvtest::v1::EchoRequest;
using bvtest::v1::EchoResponse;
namespace asio = boost::asio;

TEST_F(RpcTest, UnaryCallRoundTrips) {
    run([&]() -> asio::awaitable<void> {
        auto echo = client();
        const auto response = co_await echo.call<EchoResponse>(kEcho, echo_request("hello"), 5s);
        EXPECT_EQ(response.text(), "hello");
    });
}

TEST_F(RpcTest, KeepAliveReusesOneConnection) {
    run([&]() -> asio::awaitable<void> {
        auto echo = client();
        for (int i = 0; i < 5; ++i) co_await echo.call<EchoResponse>(kEcho, echo_request("again"), 5s);
    });
    EXPECT_EQ(server_.accepted_connections(), 1u);
}

TEST_F(RpcTest, AConnectionIdlePastItsIdleTimeoutIsClosedAndTheNextCallMakesANewOne) {
    run([&]() -> asio::awaitable<void> {
        rpc::HttpClient http(io_.get_executor(), rpc::unix_endpoint(socket_path_.string()), {.idle_timeout = 100ms});
        rpc::HttpRequest request;
        request.target = std::string("/") + kEcho;
        request.headers = {{"Content-Type", "application/json"}, {"Connect-Protocol-Version", "1"}};
        request.body = R"({"text":"idle"})";
        for (int i = 0; i < 3; ++i) EXPECT_EQ((co_await http.request(request, 5s)).status, 200);
        EXPECT_EQ(server_.accepted_connections(), 1u) << "calls in a row did not share the connection";
        // Closed by the client while it lives on, as a server waiting for it to exit needs.
        const bool closed = co_await eventually_async([&] { return server_.open_connections() == 0; });
        EXPECT_TRUE(closed);
        EXPECT_EQ((co_await http.request(request, 5s)).status, 200);
    });
    EXPECT_EQ(server_.accepted_connections(), 2u);
}

TEST_F(RpcTest, ConcurrentCallsOnOneClientUseSeveralConnections) {
    run([&]() -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        auto echo = client();
        auto [a, b] = co_await (echo.call<EchoResponse>(kEcho, echo_request("a", 50), 5s) &&
                                echo.call<EchoResponse>(kEcho, echo_request("b", 50), 5s));
        EXPECT_EQ(a.text(), "a");
        EXPECT_EQ(b.text(), "b");
    });
    EXPECT_EQ(server_.accepted_connections(), 2u);
}

TEST_F(RpcTest, HandlerErrorsReachTheClientWithCodeAndMessage) {
    run([&]() -> asio::awaitable<void> {
        auto echo = client();
        try {
            co_await echo.call<EchoResponse>(kEcho, echo_request("x", 0, "not_found"), 5s);
            ADD_FAILURE() << "expected not_found";
        } catch (const rpc::Error& error) {
            EXPECT_EQ(error.code(), rpc::Code::not_found);
            EXPECT_STREQ(error.what(), "failed as asked: not_found");
        }
        // The connection stays usable after an error.
        const auto response = co_await echo.call<EchoResponse>(kEcho, echo_request("after"), 5s);
        EXPECT_EQ(response.text(), "after");
    });
}

TEST_F(RpcTest, UnexpectedExceptionsBecomeInternalAndTheServerKeepsServing) {
    run([&]() -> asio::awaitable<void> {
        auto echo = client();
        EchoRequest request;
        request.set_throw_unexpected(true);
        try {
            co_await echo.call<EchoResponse>(kEcho, request, 5s);
            ADD_FAILURE() << "expected internal";
        } catch (const rpc::Error& error) {
            EXPECT_EQ(error.code(), rpc::Code::internal);
        }
        const auto after = co_await echo.call<EchoResponse>(kEcho, echo_request("ok"), 5s);
        EXPECT_EQ(after.text(), "ok");
    });
}

TEST_F(RpcTest, UnknownProcedureIsUnimplemented) {
    run([&]() -> asio::awaitable<void> {
        auto echo = client();
        try {
            co_await echo.call_raw("bvtest.v1.EchoService/Missing", "", 5s);
            ADD_FAILURE() << "expected unimplemented";
        } catch (const rpc::Error& error) {
            EXPECT_EQ(error.code(), rpc::Code::unimplemented);
            EXPECT_NE(std::string(error.what()).find("bvtest.v1.EchoService/Echo"), std::string::npos)
                << "should list what the server has: " << error.what();
        }
    });
}

TEST_F(RpcTest, ClientDeadlineCancelsTheCallOnBothSides) {
    run([&]() -> asio::awaitable<void> {
        auto echo = client();
        const auto started = std::chrono::steady_clock::now();
        try {
            co_await echo.call<EchoResponse>(kEcho, echo_request("slow", 10'000), 100ms);
            ADD_FAILURE() << "expected deadline_exceeded";
        } catch (const rpc::Error& error) {
            EXPECT_EQ(error.code(), rpc::Code::deadline_exceeded);
        }
        EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
        const bool cancelled = co_await eventually_async([&] { return echo_.cancelled == 1; });
        EXPECT_TRUE(cancelled);
        EXPECT_EQ(echo_.completed, 0);
    });
}

TEST_F(RpcTest, ServerEnforcesConnectTimeoutHeader) {
    run([&]() -> asio::awaitable<void> {
        rpc::HttpClient http(io_.get_executor(), rpc::unix_endpoint(socket_path_.string()));
        rpc::HttpRequest request;
        request.target = std::string("/") + kEcho;
        request.headers = {{"Content-Type", "application/json"}, {"Connect-Timeout-Ms", "100"}};
        request.body = R"({"text":"slow","delayMs":10000})";
        const auto response = co_await http.request(request, 5s);
        EXPECT_EQ(response.status, 504);
        EXPECT_NE(response.body.find("deadline_exceeded"), std::string::npos) << response.body;
        const bool cancelled = co_await eventually_async([&] { return echo_.cancelled == 1; });
        EXPECT_TRUE(cancelled);
    });
}

// A peer that drops SYNs (a VM whose address is not up yet; here a listener whose accept
// queue is full) costs one attempt its connect bound, not the whole request's timeout.
TEST_F(RpcTest, AConnectionAttemptEndsAtItsOwnBound) {
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(::listen(listener, 0), 0);  // room for one connection, never accepted
    ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
    const int queued = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_EQ(::connect(queued, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    run([&]() -> asio::awaitable<void> {
        rpc::HttpClient http(io_.get_executor(), rpc::tcp_endpoint("127.0.0.1", ntohs(address.sin_port)));
        rpc::HttpRequest request;
        request.connect_timeout = 100ms;
        std::string failure;
        try {
            co_await http.request(request, 60s);
        } catch (const rpc::Error& error) {
            EXPECT_EQ(error.code(), rpc::Code::deadline_exceeded);
            failure = error.what();
        }
        EXPECT_NE(failure.find("(an attempt of at most 100 ms): timed out"), std::string::npos) << failure;
    });
    ::close(queued);
    ::close(listener);
}

TEST_F(RpcTest, JsonCallsGetJsonAnswers) {
    run([&]() -> asio::awaitable<void> {
        rpc::HttpClient http(io_.get_executor(), rpc::unix_endpoint(socket_path_.string()));
        rpc::HttpRequest request;
        request.target = std::string("/") + kEcho;
        request.headers = {{"Content-Type", "application/json"}, {"Connect-Protocol-Version", "1"}};
        request.body = R"({"text":"json"})";
        const auto response = co_await http.request(request, 5s);
        EXPECT_EQ(response.status, 200);
        EXPECT_EQ(response.header("content-type"), "application/json");
        EXPECT_EQ(response.body, R"({"text":"json"})");
    });
}

TEST_F(RpcTest, ServerStreamDeliversEveryMessageThenEnds) {
    run([&]() -> asio::awaitable<void> {
        auto echo = client();
        CountRequest request;
        request.set_count(5);
        auto stream = co_await echo.open_stream<CountResponse>(kCount, request, 5s);
        std::vector<std::uint32_t> numbers;
        for (;;) {
            const auto message = co_await stream.next();
            if (!message) break;
            numbers.push_back(message->number());
        }
        EXPECT_EQ(numbers, (std::vector<std::uint32_t>{1, 2, 3, 4, 5}));
        // The stream's connection goes back to the pool.
        co_await echo.call<EchoResponse>(kEcho, echo_request("after stream"), 5s);
    });
    EXPECT_EQ(server_.accepted_connections(), 1u);
}

TEST_F(RpcTest, ServerStreamErrorArrivesAfterItsMessages) {
    run([&]() -> asio::awaitable<void> {
        auto echo = client();
        CountRequest request;
        request.set_count(2);
        request.set_fail_with("aborted");
        auto stream = co_await echo.open_stream<CountResponse>(kCount, request, 5s);
        int received = 0;
        try {
            for (;;) {
                const auto message = co_await stream.next();
                if (!message) break;
                ++received;
            }
            ADD_FAILURE() << "expected the stream to fail";
        } catch (const rpc::Error& error) {
            EXPECT_EQ(error.code(), rpc::Code::aborted);
        }
        EXPECT_EQ(received, 2);
    });
}

TEST_F(RpcTest, ClientGoingAwayStopsTheServersStreamWork) {
    run([&]() -> asio::awaitable<void> {
        {
            auto echo = client();
            CountRequest request;
            request.set_count(100'000);
            request.set_interval_ms(5);
            auto stream = co_await echo.open_stream<CountResponse>(kCount, request);
            const auto first = co_await stream.next();
            const auto second = co_await stream.next();
            EXPECT_EQ(first->number(), 1u);
            EXPECT_EQ(second->number(), 2u);
        }  // stream and client gone: the connection closes
        const bool cancelled = co_await eventually_async([&] { return echo_.cancelled == 1; });
        EXPECT_TRUE(cancelled);
        const bool closed = co_await eventually_async([&] { return server_.open_connections() == 0; });
        EXPECT_TRUE(closed);
    });
}

TEST_F(RpcTest, StreamDeadlineEndsTheStreamWithDeadlineExceeded) {
    run([&]() -> asio::awaitable<void> {
        auto echo = client();
        CountRequest request;
        request.set_count(100'000);
        request.set_interval_ms(10);
        auto stream = co_await echo.open_stream<CountResponse>(kCount, request, 200ms);
        try {
            for (;;) {
                const auto message = co_await stream.next();
                if (!message) break;
            }
            ADD_FAILURE() << "expected deadline_exceeded";
        } catch (const rpc::Error& error) {
            EXPECT_EQ(error.code(), rpc::Code::deadline_exceeded);
        }
    });
}

TEST_F(RpcTest, UnreachableServerIsUnavailable) {
    run([&]() -> asio::awaitable<void> {
        rpc::ConnectClient nowhere(io_.get_executor(), rpc::unix_endpoint((dir_.path() / "missing.sock").string()));
        try {
            co_await nowhere.call<EchoResponse>(kEcho, echo_request("x"), 1s);
            ADD_FAILURE() << "expected unavailable";
        } catch (const rpc::Error& error) {
            EXPECT_EQ(error.code(), rpc::Code::unavailable);
            EXPECT_NE(std::string(error.what()).find("missing.sock"), std::string::npos) << error.what();
        }
    });
}

TEST_F(RpcTest, GarbageOnTheWireGetsBadRequestAndTheServerLives) {
    const auto answer = raw_exchange("\x16\x03\x01 this is not HTTP\r\n\r\n");
    EXPECT_NE(answer.find("400"), std::string::npos) << answer;
    run([&]() -> asio::awaitable<void> {
        auto echo = client();
        const auto alive = co_await echo.call<EchoResponse>(kEcho, echo_request("alive"), 5s);
        EXPECT_EQ(alive.text(), "alive");
    });
}

TEST_F(RpcTest, ShutdownLetsCallsInFlightFinish) {
    run([&]() -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        auto echo = client();
        auto call = echo.call<EchoResponse>(kEcho, echo_request("in flight", 300), 5s);
        auto stop = [&]() -> asio::awaitable<void> {
            co_await eventually_async([&] { return echo_.started == 1; });
            co_await server_.shutdown(5s);
        };
        const auto response = co_await (std::move(call) && stop());
        EXPECT_EQ(response.text(), "in flight");
        EXPECT_EQ(echo_.completed, 1);
        try {
            co_await client().call<EchoResponse>(kEcho, echo_request("too late"), 1s);
            ADD_FAILURE() << "the server still accepts calls after shutdown";
        } catch (const rpc::Error& error) {
            EXPECT_EQ(error.code(), rpc::Code::unavailable);
        }
    });
}

class LimitedRpcTest : public RpcTest {
protected:
    LimitedRpcTest() : RpcTest(rpc::ServerLimits{.max_header_bytes = 2048, .max_body_bytes = 1024}) {}
};

TEST_F(LimitedRpcTest, OversizedBodyIsResourceExhausted) {
    run([&]() -> asio::awaitable<void> {
        auto echo = client();
        try {
            co_await echo.call<EchoResponse>(kEcho, echo_request(std::string(4096, 'x')), 5s);
            ADD_FAILURE() << "expected resource_exhausted";
        } catch (const rpc::Error& error) {
            EXPECT_EQ(error.code(), rpc::Code::resource_exhausted);
        }
        const auto small = co_await client().call<EchoResponse>(kEcho, echo_request("small"), 5s);
        EXPECT_EQ(small.text(), "small");
    });
}

TEST_F(LimitedRpcTest, OversizedHeadersAreResourceExhausted) {
    run([&]() -> asio::awaitable<void> {
        auto echo = client(rpc::ConnectClientOptions{.headers = {{"X-Padding", std::string(4096, 'p')}}});
        try {
            co_await echo.call<EchoResponse>(kEcho, echo_request("x"), 5s);
            ADD_FAILURE() << "expected resource_exhausted";
        } catch (const rpc::Error& error) {
            EXPECT_EQ(error.code(), rpc::Code::resource_exhausted);
        }
    });
}

// A server that sends the end-of-stream message and then neither ends the body nor closes:
// the stream is over for the client all the same (it used to wait for the body's end).
TEST_F(RpcTest, StreamEndsAtItsEndOfStreamMessageEvenWhenTheBodyDoesNot) {
    const auto hostile_path = dir_.path() / "hostile.sock";
    const int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, hostile_path.c_str(), sizeof address.sun_path - 1);
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(::listen(listener, 1), 0);
    std::atomic<bool> test_done = false;
    std::thread hostile([&] {
        const int connection = ::accept(listener, nullptr, nullptr);
        char request[4096];
        if (::read(connection, request, sizeof request) <= 0) return;
        const std::string end_payload = "{}";
        const std::string end_of_stream = std::string{'\x02', '\0', '\0', '\0', static_cast<char>(end_payload.size())} + end_payload;
        std::string answer = "HTTP/1.1 200 OK\r\nContent-Type: application/connect+json\r\nTransfer-Encoding: chunked\r\n\r\n";
        answer += fmt::format("{:x}\r\n", end_of_stream.size()) + end_of_stream + "\r\n";
        if (::write(connection, answer.data(), answer.size()) < 0) return;
        while (!test_done) std::this_thread::sleep_for(10ms);
        ::close(connection);
    });
    run([&]() -> asio::awaitable<void> {
        rpc::ConnectClient hostile_client(io_.get_executor(), rpc::unix_endpoint(hostile_path.string()));
        CountRequest request;
        request.set_count(1);
        auto stream = co_await hostile_client.open_stream<CountResponse>(kCount, request);
        EXPECT_FALSE(co_await stream.next()) << "expected the end of the stream";
    });
    test_done = true;
    hostile.join();
    ::close(listener);
}

// TLS: a server certificate made for this test, verified by the client.
class TlsRpcTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto certificate = make_test_certificate(dir_.path());
        echo_.register_with(router_);
        auto tls = rpc::make_tls_server(certificate.certificate.string(), certificate.key.string());
        auto acceptor = rpc::listen_tcp(io_.get_executor(), "127.0.0.1", 0);
        port_ = rpc::bound_port(acceptor);
        asio::co_spawn(io_, server_.serve_tls(std::move(acceptor), tls), asio::detached);
    }

    std::exception_ptr call_with_ca(const std::string& ca_file, std::string* text) {
        std::exception_ptr failure;
        bool done = false;
        auto url = rpc::parse_url_with_tls("https://127.0.0.1:" + std::to_string(port_) + "/", ca_file);
        asio::co_spawn(
            io_,
            [&]() -> asio::awaitable<void> {
                rpc::ConnectClient client(io_.get_executor(), url.endpoint);
                *text = (co_await client.call<EchoResponse>(kEcho, echo_request("secure"), 5s)).text();
            },
            [&](std::exception_ptr error) {
                failure = error;
                done = true;
            });
        while (!done && io_.run_one_for(10s) > 0) {
        }
        return failure;
    }

    TempDir dir_{"bv-tls"};
    asio::io_context io_;
    rpc::Router router_;
    EchoService echo_;
    // A short header timeout, for the test of a client that never begins its handshake.
    rpc::Server server_{router_, "tls-server", rpc::ServerLimits{.header_timeout = 2s}};
    std::uint16_t port_ = 0;
};

TEST_F(TlsRpcTest, ClientTrustingTheCertificateGetsThrough) {
    std::string text;
    const auto failure = call_with_ca((dir_.path() / "cert.pem").string(), &text);
    EXPECT_FALSE(failure);
    EXPECT_EQ(text, "secure");
}

TEST_F(TlsRpcTest, ClientRefusesAnUntrustedCertificate) {
    std::string text;
    const auto failure = call_with_ca("", &text);
    ASSERT_TRUE(failure);
    EXPECT_EQ(code_of(failure), rpc::Code::unavailable);
    EXPECT_EQ(text, "");
}

// A TLS server (the control plane's kind) cuts a connection that sends nothing, not even
// its handshake, at the header timeout.
TEST_F(TlsRpcTest, ConnectionThatNeverBeginsItsHandshakeIsClosedAtTheHeaderTimeout) {
    const int fd = connect_tcp_socket(port_);
    ASSERT_GE(fd, 0);
    const auto connected = std::chrono::steady_clock::now();
    const auto deadline = connected + 10s;
    bool closed = false;
    while (!closed && std::chrono::steady_clock::now() < deadline) {
        io_.run_one_for(10ms);
        closed = closed_by_peer(fd);
    }
    const auto took = std::chrono::steady_clock::now() - connected;
    ::close(fd);
    ASSERT_TRUE(closed) << "a connection that sends nothing is held";
    EXPECT_GE(took, 1900ms);
    EXPECT_LT(took, 5s);
}

}  // namespace
}  // namespace bv::test
