#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <type_traits>

namespace bv {

// Two threads for blocking work (hashing, copying, removing big trees), so that the
// io_context never waits on the disk.
boost::asio::thread_pool& worker_pool();

// Runs `function` on the worker pool and resumes the caller on its own executor with the
// result (or the exception).
template <class Function>
boost::asio::awaitable<std::invoke_result_t<Function>> run_in_worker(Function function) {
    using Result = std::invoke_result_t<Function>;
    co_return co_await boost::asio::co_spawn(
        worker_pool(),
        [function = std::move(function)]() mutable -> boost::asio::awaitable<Result> { co_return function(); },
        boost::asio::use_awaitable);
}

}  // namespace bv
