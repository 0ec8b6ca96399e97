#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <list>

namespace bv {

namespace asio = boost::asio;

// Wakes every coroutine waiting in wait() when notify_all() is called: "something changed,
// look again". Waiters check their condition in a loop, so a missed wake-up cannot happen
// between checking and waiting on one io_context.
class Notifier {
public:
    asio::awaitable<void> wait() {
        asio::steady_timer timer(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
        auto waiter = waiters_.insert(waiters_.end(), &timer);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        waiters_.erase(waiter);
        auto state = co_await asio::this_coro::cancellation_state;
        if (state.cancelled() != asio::cancellation_type::none) throw boost::system::system_error(asio::error::operation_aborted);
    }

    void notify_all() {
        for (auto* timer : waiters_) timer->cancel();
    }

private:
    std::list<asio::steady_timer*> waiters_;
};

}  // namespace bv
