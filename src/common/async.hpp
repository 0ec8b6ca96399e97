#pragma once

// Small building blocks for coroutines on one io_context.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>
#include <chrono>
#include <exception>
#include <optional>
#include <type_traits>
#include <memory>
#include <variant>

#include "common/notifier.hpp"

namespace bv {

namespace asio = boost::asio;

// Runs `operation`, cancelling it when `timeout` passes first. Returns nullopt (false for
// void operations) on timeout; rethrows what the operation threw.
//
// Why the capture: awaitable operator|| waits for the first operation that *succeeds*, so an
// operation that fails with an exception would otherwise wait for the timer. The capture is
// a struct because operator|| flattens variants it is given.
template <class T>
asio::awaitable<std::conditional_t<std::is_void_v<T>, bool, std::optional<T>>> with_timeout(
    asio::awaitable<T> operation, std::chrono::steady_clock::duration timeout) {
    using namespace asio::experimental::awaitable_operators;
    using Outcome = std::conditional_t<std::is_void_v<T>, std::monostate, T>;
    struct Captured {
        std::variant<Outcome, std::exception_ptr> value;
    };
    auto captured = [](asio::awaitable<T> op) -> asio::awaitable<Captured> {
        try {
            if constexpr (std::is_void_v<T>) {
                co_await std::move(op);
                co_return Captured{std::monostate{}};
            } else {
                co_return Captured{co_await std::move(op)};
            }
        } catch (...) {
            co_return Captured{std::current_exception()};
        }
    };
    asio::steady_timer timer(co_await asio::this_coro::executor, timeout);
    // The timer's wait is cancelled at each operation that ends in time: an error code, not an
    // exception (thrown and caught at every read and write, they took a tenth of `bv node list`).
    auto result = co_await (captured(std::move(operation)) || timer.async_wait(asio::as_tuple(asio::use_awaitable)));
    if (result.index() == 1) {
        // Cancelled from outside (the operation was too): as the operation would have thrown.
        if (const auto [error] = std::get<1>(result); error) throw boost::system::system_error(error);
        if constexpr (std::is_void_v<T>) {
            co_return false;
        } else {
            co_return std::nullopt;
        }
    }
    auto& outcome = std::get<0>(result).value;
    if (auto* error = std::get_if<std::exception_ptr>(&outcome)) std::rethrow_exception(*error);
    if constexpr (std::is_void_v<T>) {
        co_return true;
    } else {
        co_return std::move(std::get<Outcome>(outcome));
    }
}

// Waits `duration` (throws when cancelled).
inline asio::awaitable<void> sleep_for(std::chrono::steady_clock::duration duration) {
    asio::steady_timer timer(co_await asio::this_coro::executor, duration);
    co_await timer.async_wait(asio::use_awaitable);
}

}  // namespace bv
