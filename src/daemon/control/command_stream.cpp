#include "daemon/control/command_stream.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <random>

#include "common/async.hpp"
#include "common/backoff_policy.hpp"
#include "common/log.hpp"
#include "common/wall_clock.hpp"
#include "daemon/control/api_messages.hpp"

namespace bv::daemon {

using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;

namespace {

// The operation's failure as a value: awaitable operator|| waits for the first operation that
// succeeds, so a failing stream would otherwise wait for the other side.
asio::awaitable<std::exception_ptr> failure_of(asio::awaitable<void> operation) {
    try {
        co_await std::move(operation);
        co_return nullptr;
    } catch (...) {
        co_return std::current_exception();
    }
}

}  // namespace

CommandStream::CommandStream(ApiClient& api, CommandRunner& runner, CommandJournal& journal, ControlPlaneState& state,
                             OwnedTasks& tasks, std::function<asio::awaitable<void>()> on_connected,
                             CommandStreamOptions options)
    : api_(api),
      runner_(runner),
      journal_(journal),
      state_(state),
      tasks_(tasks),
      on_connected_(std::move(on_connected)),
      options_(options) {}

void CommandStream::lost(const std::string& why) {
    state_.last_error = why;
    state_.last_error_at_ms = unix_time_ms();
    if (state_.connected) {
        state_.connected = false;
        state_.changed.notify_all();
    }
}

asio::awaitable<void> CommandStream::run() {
    // A stream that lived this long was a good connection: the next failure backs off from the start.
    BackoffPolicy backoff(options_.reconnect_base, options_.reconnect_max, 60s);
    std::mt19937_64 random{std::random_device{}()};
    for (;;) {
        backoff.started(Clock::now());
        try {
            // A reconnect asked for ends the stream at once (the || cancels it).
            const auto outcome = co_await (failure_of(serve_one_stream()) || reconnect_wanted_.wait());
            if (outcome.index() == 1) {
                lost("reconnecting as asked");
                continue;
            }
            if (const auto failure = std::get<0>(outcome)) std::rethrow_exception(failure);
            lost("the command stream ended");
        } catch (const rpc::Error& error) {
            lost(error.what());
        } catch (const boost::system::system_error& error) {
            if (error.code() == asio::error::operation_aborted) throw;
            lost(error.what());
        }
        const auto delay = full_jitter(backoff.delay_after_exit(Clock::now()), random());
        log::warn("control plane: {}; connecting again in {} ms", state_.last_error, delay.count());
        co_await with_timeout(reconnect_wanted_.wait(), delay);
    }
}

asio::awaitable<void> CommandStream::serve_one_stream() {
    api::v1::SubscribeRequest request;
    request.set_host_id(api_.host_id());
    auto stream = co_await api_.open_stream(api::subscribe, request);
    state_.connected = true;
    state_.connected_since_ms = unix_time_ms();
    ++state_.connections;
    state_.changed.notify_all();
    log::info("control plane: connected, waiting for commands");
    co_await on_connected_();
    auto silence_bound = options_.first_message_bound;
    for (;;) {
        auto message = co_await with_timeout(stream.next(), silence_bound);
        if (!message) {
            throw rpc::Error(rpc::Code::unavailable, "the command stream was silent for " +
                                                         std::to_string(silence_bound.count()) +
                                                         " ms (no heartbeat): the connection is taken as lost");
        }
        if (!*message) throw rpc::Error(rpc::Code::unavailable, "the control plane ended the command stream");
        const auto& received = **message;
        if (received.has_heartbeat()) {
            const auto interval = std::chrono::milliseconds(std::max<std::uint32_t>(received.heartbeat().interval_ms(), 100));
            silence_bound = 3 * interval;
            continue;
        }
        if (received.has_command()) co_await take(received.command());
    }
}

asio::awaitable<void> CommandStream::take(api::v1::Command command) {
    const auto id = command.id();
    api::v1::AckCommandRequest ack;
    ack.set_command_id(id);
    co_await api_.call(api::ack, ack, 15s);
    ++state_.commands_acked;
    if (const auto stored = journal_.result_of(id)) {
        log::info("command {} ({}) came again: it ran already, answering with its result", id, command_kind_name(command));
        co_await complete(id, *stored);
        co_return;
    }
    // Delivered again while it runs (a reconnect): it completes when it is done.
    if (!running_.insert(id).second) co_return;
    log::info("command {} ({}{}{})", id, command_kind_name(command), node_of_command(command).empty() ? "" : " of node ",
              node_of_command(command));
    // Spawned in the order received: the runner keeps that order per node.
    tasks_.spawn(co_await asio::this_coro::executor, run_and_complete(std::move(command)),
                 log::LogFailure{"running a control plane command"});
}

asio::awaitable<void> CommandStream::run_and_complete(api::v1::Command command) {
    const auto id = command.id();
    const auto result = co_await runner_.run(command);
    running_.erase(id);
    try {
        journal_.record(id, result);
    } catch (const std::exception& error) {
        // Not fatal: a redelivered command runs again, which node operations allow.
        log::error("command {}: its result could not be recorded in the journal: {}", id, error.what());
    }
    try {
        co_await complete(id, result);
    } catch (const rpc::Error& error) {
        // Delivered again at the next connection and answered from the journal then.
        log::warn("command {}: completing it failed ({}); it is completed when the control plane sends it again", id,
                  error.what());
    }
}

asio::awaitable<void> CommandStream::complete(const std::string& command_id, const api::v1::CommandResult& result) {
    api::v1::CompleteCommandRequest request;
    request.set_command_id(command_id);
    *request.mutable_result() = result;
    co_await api_.call(api::complete, request, 15s);
    ++state_.commands_completed;
}

}  // namespace bv::daemon
