#include "babel/restarting_process.hpp"

#include <signal.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/async.hpp"
#include "common/log.hpp"

namespace bv::babel {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto as_tuple = asio::as_tuple(asio::use_awaitable);

}  // namespace

RestartingProcess::RestartingProcess(ChildProcesses& children, LogBuffer& log, std::string name, SpawnOptions spawn,
                                     BackoffPolicy backoff)
    : children_(children),
      log_(log),
      spawn_(std::move(spawn)),
      backoff_(backoff),
      restart_delay_(children.executor()) {
    state_.name = std::move(name);
}

void RestartingProcess::start() {
    asio::co_spawn(children_.executor(), [self = shared_from_this()] { return self->keep_running(); },
                   log::LogFailure{"keeping " + state_.name + " running"});
}

asio::awaitable<void> RestartingProcess::keep_running() {
    while (wanted_) {
        const auto started = Clock::now();
        backoff_.started(started);
        try {
            auto child = children_.spawn(spawn_);
            state_.pid = child.pid;
            state_.started = started;
            note(log_, state_.name + " started (pid " + std::to_string(child.pid) + ")");
            asio::co_spawn(children_.executor(), capture_lines(std::move(*child.stdout_pipe), state_.name, log_),
                           log::LogFailure{"capturing the output of " + state_.name});
            asio::co_spawn(children_.executor(), capture_lines(std::move(*child.stderr_pipe), state_.name, log_),
                           log::LogFailure{"capturing the errors of " + state_.name});
            const auto status = co_await children_.wait(child.pid);
            state_.pid = 0;
            state_.last_exit = status.describe();
            ++exits_;
        } catch (const std::system_error& error) {
            state_.last_exit = error.what();
        }
        if (!wanted_) break;
        ++state_.restarts;
        const auto delay = backoff_.delay_after_exit(Clock::now());
        note(log_, state_.name + " " + state_.last_exit + "; restarting in " + std::to_string(delay.count()) + " ms");
        restart_delay_.expires_after(delay);
        co_await restart_delay_.async_wait(as_tuple);
    }
    finished_ = true;
    loop_ended_.notify_all();
}

void RestartingProcess::request_stop() {
    wanted_ = false;
    restart_delay_.cancel();
    if (state_.pid > 0) ::kill(-state_.pid, SIGTERM);
}

void RestartingProcess::kill() {
    if (state_.pid > 0) ::kill(-state_.pid, SIGKILL);
}

asio::awaitable<bool> RestartingProcess::wait_finished(Clock::time_point deadline) {
    while (!finished_) {
        if (Clock::now() >= deadline) co_return false;
        co_await with_timeout(loop_ended_.wait(), deadline - Clock::now());
    }
    co_return true;
}

asio::awaitable<void> RestartingProcess::stop(std::chrono::milliseconds timeout) {
    request_stop();
    const bool stopped = co_await wait_finished(Clock::now() + timeout);
    if (stopped) co_return;
    note(log_, state_.name + " did not stop within " + std::to_string(timeout.count()) + " ms; killing it");
    kill();
    // Bounded even so: a process stuck in the kernel (D state) must not hang babelsup.
    co_await wait_finished(Clock::now() + std::chrono::seconds(10));
}

void note(LogBuffer& log, const std::string& message) {
    log::info("{}", message);
    log.append("babelsup", message);
}

asio::awaitable<void> capture_lines(asio::posix::stream_descriptor pipe, std::string source, LogBuffer& log) {
    LineSplitter splitter;
    char buffer[8192];
    for (;;) {
        auto [ec, read] = co_await pipe.async_read_some(asio::buffer(buffer), as_tuple);
        if (ec) break;
        for (auto& line : splitter.feed(std::string_view(buffer, read))) log.append(source, line);
    }
    if (auto rest = splitter.finish(); !rest.empty()) log.append(source, rest);
}

}  // namespace bv::babel
