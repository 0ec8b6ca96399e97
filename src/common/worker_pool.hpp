#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace bv {

// Blocking work runs on threads of its own, so that the io_context never waits on the disk.
// Bulk jobs (copying or removing whole trees: minutes for a node's chain data) have their
// own threads, so that quick ones on a node's start path never wait behind them.
enum class Work { quick, bulk };

boost::asio::thread_pool& worker_pool(Work work);

// Runs `function` on a worker thread and resumes the caller on its own executor with the
// result (or the exception). The caller's io_context counts the job as work until the
// caller has resumed, and the worker's last touch of that io_context is the post of the
// result: the guard travels with the result and is released on the caller's thread. (A
// guard released on the worker, as co_spawn's is, may reach an io_context its owner has
// already destroyed: the caller may have resumed and finished in between.)
template <class Function>
boost::asio::awaitable<std::invoke_result_t<Function>> run_in_worker(Function function, Work work = Work::quick) {
    using Result = std::invoke_result_t<Function>;
    constexpr bool returns_nothing = std::is_void_v<Result>;
    using Outcome = std::optional<std::conditional_t<returns_nothing, std::monostate, Result>>;
    auto initiation = [&](auto handler) {
        auto caller = boost::asio::make_work_guard(boost::asio::get_associated_executor(handler));
        boost::asio::post(worker_pool(work), [function = std::move(function), handler = std::move(handler),
                                              caller = std::move(caller)]() mutable {
            std::exception_ptr error;
            Outcome outcome;
            try {
                if constexpr (returns_nothing) {
                    function();
                    outcome.emplace();
                } else {
                    outcome.emplace(function());
                }
            } catch (...) {
                error = std::current_exception();
            }
            const auto executor = caller.get_executor();
            boost::asio::post(executor, [handler = std::move(handler), caller = std::move(caller), error,
                                         outcome = std::move(outcome)]() mutable {
                std::move(handler)(error, std::move(outcome));
            });
        });
    };
    auto outcome = co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable),
                                                        void(std::exception_ptr, Outcome)>(
        initiation, boost::asio::use_awaitable);
    if constexpr (!returns_nothing) co_return std::move(*outcome);
}

}  // namespace bv
