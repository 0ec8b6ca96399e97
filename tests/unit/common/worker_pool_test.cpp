#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "common/worker_pool.hpp"

namespace bv {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Runs `operation` until it has finished, as the daemon's unit tests do, then destroys the
// io_context at once, with nothing else to wait for.
template <class Operation>
void run_and_destroy(Operation operation) {
    auto io = std::make_unique<asio::io_context>();
    bool done = false;
    asio::co_spawn(*io, operation(), [&](std::exception_ptr error) {
        EXPECT_FALSE(error);
        done = true;
    });
    {
        const auto busy = asio::make_work_guard(*io);
        while (!done) io->run_one();
    }
    io.reset();
}

// A result whose copies left on a worker thread hold that worker back as they go: whatever
// the worker does with the caller's io_context after that happens after the caller could
// have resumed and destroyed it.
struct SlowToLetGo {
    std::thread::id caller = std::this_thread::get_id();
    int value = 7;
    ~SlowToLetGo() {
        if (std::this_thread::get_id() != caller) std::this_thread::sleep_for(20ms);
    }
};

TEST(RunInWorker, TheCallersIoContextMayGoAsSoonAsTheCallerHasResumed) {
    // Under AddressSanitizer a worker that reaches the destroyed io_context is a
    // use-after-free (co_spawn's work guard, released on the worker, was one).
    for (int round = 0; round < 5; ++round) {
        run_and_destroy([]() -> asio::awaitable<void> {
            const auto caller = std::this_thread::get_id();
            const auto result = co_await run_in_worker([caller] { return SlowToLetGo{caller}; });
            EXPECT_EQ(result.value, 7);
        });
    }
}

TEST(RunInWorker, GivesTheResultOrTheExceptionAndRunsOffTheCallersThread) {
    run_and_destroy([]() -> asio::awaitable<void> {
        const auto caller = std::this_thread::get_id();
        const auto worker = co_await run_in_worker([] { return std::this_thread::get_id(); });
        EXPECT_NE(worker, caller);
        EXPECT_EQ(std::this_thread::get_id(), caller);
        auto moved = co_await run_in_worker([] { return std::make_unique<std::string>("only once"); });
        EXPECT_EQ(*moved, "only once");
        bool ran = false;
        co_await run_in_worker([&ran] { ran = true; }, Work::bulk);
        EXPECT_TRUE(ran);
        try {
            co_await run_in_worker([]() -> int { throw std::runtime_error("disk full"); });
            ADD_FAILURE() << "the worker's exception was lost";
        } catch (const std::runtime_error& error) {
            EXPECT_STREQ(error.what(), "disk full");
        }
    });
}

}  // namespace
}  // namespace bv
