#include "support/echo_service.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <stdexcept>

#include "rpc/error.hpp"

namespace bv::test {
namespace {

asio::awaitable<void> pause(std::uint32_t milliseconds) {
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(milliseconds));
    co_await timer.async_wait(asio::use_awaitable);
}

rpc::Error error_named(const std::string& name) {
    return rpc::Error(rpc::code_from_name(name).value_or(rpc::Code::unknown), "failed as asked: " + name);
}

}  // namespace

void EchoService::register_with(rpc::Router& router) {
    router.unary("bvtest.v1.EchoService/Echo", this, &EchoService::echo);
    router.server_stream("bvtest.v1.EchoService/Count", this, &EchoService::count);
}

asio::awaitable<bvtest::v1::EchoResponse> EchoService::echo(bvtest::v1::EchoRequest request,
                                                            rpc::CallContext& context) {
    ++started;
    last_authorization = std::string(context.header("authorization"));
    try {
        if (request.delay_ms() > 0) co_await pause(request.delay_ms());
    } catch (const boost::system::system_error&) {
        ++cancelled;
        throw;
    }
    if (request.throw_unexpected()) throw std::runtime_error("unexpected failure");
    if (!request.fail_with().empty()) throw error_named(request.fail_with());
    ++completed;
    bvtest::v1::EchoResponse response;
    response.set_text(request.text());
    co_return response;
}

asio::awaitable<void> EchoService::count(bvtest::v1::CountRequest request,
                                         rpc::StreamWriter<bvtest::v1::CountResponse>& out, rpc::CallContext&) {
    try {
        for (std::uint32_t number = 1; number <= request.count(); ++number) {
            if (request.interval_ms() > 0) co_await pause(request.interval_ms());
            bvtest::v1::CountResponse message;
            message.set_number(number);
            co_await out.write(message);
        }
    } catch (const boost::system::system_error&) {
        ++cancelled;
        throw;
    }
    if (!request.fail_with().empty()) throw error_named(request.fail_with());
    ++completed;
}

}  // namespace bv::test
