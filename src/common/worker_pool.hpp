#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <type_traits>

namespace bv {

// Blocking work runs on threads of its own, so that the io_context never waits on the disk.
// Bulk jobs (copying or removing whole trees: minutes for a node's chain data) have their
// own threads, so that quick ones on a node's start path never wait behind them.
enum class Work { quick, bulk };

boost::asio::thread_pool& worker_pool(Work work);

// Runs `function` on a worker thread and resumes the caller on its own executor with the
// result (or the exception).
template <class Function>
boost::asio::awaitable<std::invoke_result_t<Function>> run_in_worker(Function function, Work work = Work::quick) {
    using Result = std::invoke_result_t<Function>;
    co_return co_await boost::asio::co_spawn(
        worker_pool(work),
        [function = std::move(function)]() mutable -> boost::asio::awaitable<Result> { co_return function(); },
        boost::asio::use_awaitable);
}

}  // namespace bv
