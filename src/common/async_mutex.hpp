#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <utility>

namespace bv {

namespace asio = boost::asio;

// Lets coroutines on one io_context take turns, first come first served: the operations of
// one node run one at a time, in the order they were asked for.
class AsyncMutex {
public:
    class Guard {
    public:
        explicit Guard(AsyncMutex* mutex) : mutex_(mutex) {}
        Guard(Guard&& other) noexcept : mutex_(std::exchange(other.mutex_, nullptr)) {}
        Guard& operator=(Guard&&) = delete;
        ~Guard() {
            if (mutex_ != nullptr) mutex_->unlock();
        }

    private:
        AsyncMutex* mutex_;
    };

    asio::awaitable<Guard> lock() {
        if (!locked_) {
            locked_ = true;
            co_return Guard(this);
        }
        asio::steady_timer turn(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
        Waiter waiter{&turn, false};
        waiters_.push_back(&waiter);
        co_await turn.async_wait(asio::as_tuple(asio::use_awaitable));
        if (!waiter.handed_over) {
            // Cancelled while waiting: leave the queue without the lock.
            std::erase(waiters_, &waiter);
            throw boost::system::system_error(asio::error::operation_aborted);
        }
        co_return Guard(this);
    }

    bool locked() const { return locked_; }

private:
    struct Waiter {
        asio::steady_timer* turn;
        bool handed_over;
    };

    // The lock passes straight to the next waiter, so nobody can overtake it.
    void unlock() {
        if (waiters_.empty()) {
            locked_ = false;
            return;
        }
        auto* next = waiters_.front();
        waiters_.pop_front();
        next->handed_over = true;
        next->turn->cancel();
    }

    bool locked_ = false;
    std::deque<Waiter*> waiters_;
};

}  // namespace bv
