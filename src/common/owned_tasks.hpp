#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/system/system_error.hpp>
#include <chrono>
#include <exception>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <type_traits>
#include <variant>

#include "common/notifier.hpp"

namespace bv {

namespace asio = boost::asio;

// Coroutines that run on their own (no caller's cancellation reaches them) and use the
// members of the object that owns this. The owner finishes them before it goes away
// (finish()): left to the io_context, their frames would be destroyed later, and their
// destructors would touch what is already gone.
class OwnedTasks {
public:
    // Starts `task` (a loop, a watch: whatever finish() may cancel at once); `on_end` gets what
    // it threw (or nullptr). Once finish() has begun, a task is not started any more.
    void spawn(asio::any_io_executor executor, asio::awaitable<void> task,
               std::function<void(std::exception_ptr)> on_end = [](std::exception_ptr) {});

    // Runs `operation` to its end even when the caller is cancelled: a client that goes away
    // (or whose deadline passes) in the middle of starting a node must not leave it half
    // started. The caller stops waiting; the operation goes on, and logs its own failures.
    // Once finish() has begun, it is refused (operation_aborted).
    template <class T>
    asio::awaitable<T> run_shielded(asio::awaitable<T> operation);

    // For shutting down: cancels the spawned loops, waits up to `grace` for the shielded
    // operations in flight, then cancels those left, and waits for all to unwind.
    asio::awaitable<void> finish(std::chrono::milliseconds grace);

    std::size_t in_flight() const { return tasks_.size(); }

private:
    struct Task {
        asio::cancellation_signal canceller;
        bool shielded = false;  // given the grace of finish() before it is cancelled
    };

    void start(asio::any_io_executor executor, asio::awaitable<void> task, bool shielded,
               std::function<void(std::exception_ptr)> on_end);
    void cancel(bool shielded_too);
    asio::awaitable<void> all_ended();

    std::list<Task> tasks_;
    Notifier ended_;
    bool finishing_ = false;
};

template <class T>
asio::awaitable<T> OwnedTasks::run_shielded(asio::awaitable<T> operation) {
    if (finishing_) throw boost::system::system_error(asio::error::operation_aborted);
    using Value = std::conditional_t<std::is_void_v<T>, std::monostate, T>;
    struct Outcome {
        std::optional<Value> value;
        std::exception_ptr error;
        bool done = false;
        Notifier finished;
    };
    auto outcome = std::make_shared<Outcome>();
    auto body = [](asio::awaitable<T> op, std::shared_ptr<Outcome> shared) -> asio::awaitable<void> {
        try {
            if constexpr (std::is_void_v<T>) {
                co_await std::move(op);
                shared->value.emplace();
            } else {
                shared->value.emplace(co_await std::move(op));
            }
        } catch (...) {
            shared->error = std::current_exception();
        }
        shared->done = true;
        shared->finished.notify_all();
    };
    start(co_await asio::this_coro::executor, body(std::move(operation), outcome), true, [](std::exception_ptr) {});
    while (!outcome->done) co_await outcome->finished.wait();
    if (outcome->error) std::rethrow_exception(outcome->error);
    if constexpr (!std::is_void_v<T>) co_return std::move(*outcome->value);
}

}  // namespace bv
