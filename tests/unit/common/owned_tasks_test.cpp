#include "common/owned_tasks.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/async.hpp"

namespace bv {
namespace {

using namespace std::chrono_literals;

// Runs `main` on a fresh io_context until the loop has no more work.
template <class Main>
void run_loop(Main main) {
    asio::io_context io;
    std::exception_ptr failure;
    asio::co_spawn(io, main(io), [&](std::exception_ptr error) { failure = error; });
    io.run();
    if (failure) std::rethrow_exception(failure);
}

asio::awaitable<void> sleep_then(std::chrono::milliseconds duration, bool& finished) {
    asio::steady_timer timer(co_await asio::this_coro::executor, duration);
    co_await timer.async_wait(asio::use_awaitable);
    finished = true;
}

// Sets `unwound` when its frame goes, the way a lock guard or a kill-on-exit guard would act.
asio::awaitable<void> sleep_with_guard(std::chrono::milliseconds duration, bool& unwound) {
    struct Guard {
        bool& unwound;
        ~Guard() { unwound = true; }
    } guard{unwound};
    asio::steady_timer timer(co_await asio::this_coro::executor, duration);
    co_await timer.async_wait(asio::use_awaitable);
}

TEST(OwnedTasks, ShieldedOperationGoesOnWhenItsCallerIsCancelled) {
    bool finished = false;
    run_loop([&](asio::io_context&) -> asio::awaitable<void> {
        OwnedTasks tasks;
        const auto caller_waited = co_await with_timeout(tasks.run_shielded(sleep_then(100ms, finished)), 10ms);
        EXPECT_FALSE(caller_waited) << "the caller should have given up first";
        EXPECT_FALSE(finished);
        co_await tasks.finish(5s);
        EXPECT_TRUE(finished) << "finish() must wait for the operation, not cut it";
        EXPECT_EQ(tasks.in_flight(), 0u);
    });
}

TEST(OwnedTasks, ResultsAndErrorsReachTheCaller) {
    run_loop([&](asio::io_context&) -> asio::awaitable<void> {
        OwnedTasks tasks;
        auto answer = []() -> asio::awaitable<int> { co_return 42; };
        EXPECT_EQ(co_await tasks.run_shielded(answer()), 42);
        auto failing = []() -> asio::awaitable<int> {
            throw std::runtime_error("broken");
            co_return 0;
        };
        try {
            co_await tasks.run_shielded(failing());
            ADD_FAILURE() << "the error was lost";
        } catch (const std::runtime_error& error) {
            EXPECT_STREQ(error.what(), "broken");
        }
        co_await tasks.finish(1s);
    });
}

// The teardown bug this exists for: an operation still running when its owner goes must be
// unwound (its guards run) while the owner is alive, not later by the io_context.
TEST(OwnedTasks, FinishCutsWhatOutlastsTheGraceAndUnwindsItBeforeReturning) {
    bool unwound = false;
    bool unwound_before_finish_returned = false;
    run_loop([&](asio::io_context&) -> asio::awaitable<void> {
        OwnedTasks tasks;
        const auto caller_waited = co_await with_timeout(tasks.run_shielded(sleep_with_guard(1h, unwound)), 10ms);
        EXPECT_FALSE(caller_waited);
        co_await tasks.finish(50ms);
        unwound_before_finish_returned = unwound;
        EXPECT_EQ(tasks.in_flight(), 0u);
    });
    EXPECT_TRUE(unwound_before_finish_returned);
}

// Background loops never end on their own: finish() cancels them at once, and gives only the
// shielded operations their grace.
TEST(OwnedTasks, FinishCancelsLoopsAtOnceAndLetsShieldedOperationsEnd) {
    std::vector<std::string> order;
    run_loop([&](asio::io_context& io) -> asio::awaitable<void> {
        OwnedTasks tasks;
        auto loop = [&]() -> asio::awaitable<void> {
            struct Guard {
                std::vector<std::string>& order;
                ~Guard() { order.push_back("loop cancelled"); }
            } guard{order};
            asio::steady_timer forever(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
            co_await forever.async_wait(asio::use_awaitable);
        };
        tasks.spawn(io.get_executor(), loop());
        auto operation = [&]() -> asio::awaitable<void> {
            asio::steady_timer timer(co_await asio::this_coro::executor, 100ms);
            co_await timer.async_wait(asio::use_awaitable);
            order.push_back("operation finished");
        };
        co_await with_timeout(tasks.run_shielded(operation()), 1ms);
        co_await tasks.finish(10s);
    });
    EXPECT_EQ(order, (std::vector<std::string>{"loop cancelled", "operation finished"}));
}

// A shutdown may finish the tasks while bvd is still starting: what would start later must
// not run unowned.
TEST(OwnedTasks, NothingStartsOnceFinishHasBegun) {
    bool ran = false;
    bool spawn_refused = false;
    bool operation_refused = false;
    run_loop([&](asio::io_context& io) -> asio::awaitable<void> {
        OwnedTasks tasks;
        co_await tasks.finish(1s);
        tasks.spawn(io.get_executor(), sleep_then(1ms, ran), [&](std::exception_ptr error) { spawn_refused = error != nullptr; });
        try {
            co_await tasks.run_shielded(sleep_then(1ms, ran));
        } catch (const boost::system::system_error& error) {
            operation_refused = error.code() == asio::error::operation_aborted;
        }
        EXPECT_EQ(tasks.in_flight(), 0u);
    });
    EXPECT_FALSE(ran);
    EXPECT_TRUE(spawn_refused);
    EXPECT_TRUE(operation_refused);
}

TEST(OwnedTasks, SpawnedTaskReportsHowItEnded) {
    std::exception_ptr reported;
    bool called = false;
    run_loop([&](asio::io_context& io) -> asio::awaitable<void> {
        OwnedTasks tasks;
        auto failing = []() -> asio::awaitable<void> {
            throw std::runtime_error("task failed");
            co_return;
        };
        tasks.spawn(io.get_executor(), failing(), [&](std::exception_ptr error) {
            called = true;
            reported = error;
        });
        co_await tasks.finish(1s);
    });
    EXPECT_TRUE(called);
    EXPECT_TRUE(reported != nullptr);
}

}  // namespace
}  // namespace bv
