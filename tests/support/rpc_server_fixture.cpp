#include "support/rpc_server_fixture.hpp"

#include <unistd.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <thread>

#include "support/raw_socket.hpp"

namespace bv::test {

using namespace std::chrono_literals;

bvtest::v1::EchoRequest echo_request(std::string text, std::uint32_t delay_ms,
                                     std::string fail_with) {
    bvtest::v1::EchoRequest request;
    request.set_text(std::move(text));
    request.set_delay_ms(delay_ms);
    request.set_fail_with(std::move(fail_with));
    return request;
}

bvtest::v1::CountRequest count_request(std::uint32_t count, std::uint32_t interval_ms) {
    bvtest::v1::CountRequest request;
    request.set_count(count);
    request.set_interval_ms(interval_ms);
    return request;
}

asio::awaitable<void> pause_for(std::chrono::milliseconds duration) {
    asio::steady_timer timer(co_await asio::this_coro::executor, duration);
    co_await timer.async_wait(asio::use_awaitable);
}

asio::awaitable<bool> eventually_async(std::function<bool()> condition,
                                       std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) co_return false;
        co_await pause_for(5ms);
    }
    co_return true;
}

rpc::Code code_of(std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const rpc::Error& e) {
        return e.code();
    }
}

RpcTest::RpcTest(rpc::ServerLimits limits) : server_(router_, "test-server", limits) {
    echo_.register_with(router_);
    socket_path_ = dir_.path() / "rpc.sock";
    asio::co_spawn(io_,
                   server_.serve(rpc::listen_unix(io_.get_executor(), socket_path_.string(), 0600)),
                   asio::detached);
}

rpc::ConnectClient RpcTest::client(rpc::ConnectClientOptions options) {
    return rpc::ConnectClient(io_.get_executor(), rpc::unix_endpoint(socket_path_.string()),
                              std::move(options));
}

void RpcTest::run(std::function<asio::awaitable<void>()> body) {
    std::exception_ptr failure;
    bool done = false;
    asio::co_spawn(io_, body(), [&](std::exception_ptr error) {
        failure = error;
        done = true;
    });
    while (!done && io_.run_one_for(30s) > 0) {
    }
    ASSERT_TRUE(done) << "test body did not finish";
    if (failure) std::rethrow_exception(failure);
}

void RpcTest::serve_while(const std::function<void()>& peer) {
    std::atomic<bool> finished = false;
    std::thread thread([&] {
        peer();
        finished = true;
    });
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!finished && std::chrono::steady_clock::now() < deadline) io_.run_one_for(10ms);
    thread.join();
}

int RpcTest::connect_raw() const {
    return connect_unix_socket(socket_path_);
}

std::string RpcTest::raw_exchange(const std::string& bytes) {
    std::string answer;
    serve_while([&] {
        const int fd = connect_raw();
        if (fd >= 0 &&
            ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size())) {
            char buffer[4096];
            for (ssize_t read; (read = ::read(fd, buffer, sizeof buffer)) > 0;) {
                answer.append(buffer, static_cast<std::size_t>(read));
            }
        }
        if (fd >= 0) ::close(fd);
    });
    return answer;
}

}  // namespace bv::test
