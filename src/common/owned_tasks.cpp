#include "common/owned_tasks.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>

#include "common/async.hpp"

namespace bv {

void OwnedTasks::spawn(asio::any_io_executor executor, asio::awaitable<void> task,
                       std::function<void(std::exception_ptr)> on_end) {
    start(std::move(executor), std::move(task), false, std::move(on_end));
}

void OwnedTasks::start(asio::any_io_executor executor, asio::awaitable<void> task, bool shielded,
                       std::function<void(std::exception_ptr)> on_end) {
    if (finishing_) {
        on_end(std::make_exception_ptr(boost::system::system_error(asio::error::operation_aborted)));
        return;
    }
    const auto entry = tasks_.emplace(tasks_.end());
    entry->shielded = shielded;
    // The entry (and its canceller) goes once the spawn has let go of it.
    asio::co_spawn(executor, std::move(task),
                   asio::bind_cancellation_slot(entry->canceller.slot(), [this, executor, entry, on_end = std::move(on_end)](
                                                                             std::exception_ptr error) {
                       on_end(error);
                       asio::post(executor, [this, entry] {
                           tasks_.erase(entry);
                           ended_.notify_all();
                       });
                   }));
}

void OwnedTasks::cancel(bool shielded_too) {
    for (auto& task : tasks_) {
        if (shielded_too || !task.shielded) task.canceller.emit(asio::cancellation_type::terminal);
    }
}

asio::awaitable<void> OwnedTasks::all_ended() {
    while (!tasks_.empty()) co_await ended_.wait();
}

asio::awaitable<void> OwnedTasks::finish(std::chrono::milliseconds grace) {
    finishing_ = true;
    cancel(false);
    const bool ended = co_await with_timeout(all_ended(), grace);
    if (ended) co_return;
    cancel(true);
    co_await all_ended();
}

}  // namespace bv
