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
    asio::awaitable<void> wait() { co_await wait_until(asio::steady_timer::time_point::max()); }

    // Waits for notify_all() until `deadline`: true when notified, false when the time passed. One
    // timer for both, and no awaitable operator: the waiter is registered before this first
    // suspends, so a notify_all() right after the caller's last check is never missed.
    asio::awaitable<bool> wait_until(asio::steady_timer::time_point deadline) {
        asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
        auto waiter = waiters_.insert(waiters_.end(), &timer);
        auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        waiters_.erase(waiter);
        auto state = co_await asio::this_coro::cancellation_state;
        if (state.cancelled() != asio::cancellation_type::none) throw boost::system::system_error(asio::error::operation_aborted);
        co_return ec == asio::error::operation_aborted;
    }

    void notify_all() {
        for (auto* timer : waiters_) timer->cancel();
    }

private:
    std::list<asio::steady_timer*> waiters_;
};

}  // namespace bv
