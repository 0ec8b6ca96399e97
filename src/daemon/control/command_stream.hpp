#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <set>
#include <string>

#include "common/owned_tasks.hpp"
#include "daemon/control/api_client.hpp"
#include "daemon/control/command_journal.hpp"
#include "daemon/control/command_runner.hpp"
#include "daemon/control/control_plane_state.hpp"

namespace bv::daemon {

struct CommandStreamOptions {
    // A stream silent this long before its first heartbeat is dead; after it, three of the
    // heartbeat intervals the server announced.
    std::chrono::milliseconds first_message_bound{30'000};
    // Reconnects back off from `reconnect_base` up to `reconnect_max`, with full jitter.
    std::chrono::milliseconds reconnect_base{500};
    std::chrono::milliseconds reconnect_max{30'000};
};

// bvd's one command stream: holds CommandService.Subscribe open, acks each command before it
// runs, runs it (CommandRunner), records its result in the journal and completes it. A
// command delivered again is answered from the journal, or, while it still runs, only acked.
// Reconnects with capped exponential backoff and full jitter; a stream without heartbeats
// for too long counts as lost.
class CommandStream {
public:
    CommandStream(ApiClient& api, CommandRunner& runner, CommandJournal& journal, ControlPlaneState& state,
                  OwnedTasks& tasks, std::function<asio::awaitable<void>()> on_connected, CommandStreamOptions options = {});

    // Until cancelled.
    asio::awaitable<void> run();
    // Drops the stream and connects again at once (the host was provisioned again).
    void reconnect_now() { reconnect_wanted_.notify_all(); }

private:
    asio::awaitable<void> serve_one_stream();
    asio::awaitable<void> take(api::v1::Command command);
    asio::awaitable<void> run_and_complete(api::v1::Command command);
    asio::awaitable<void> complete(const std::string& command_id, const api::v1::CommandResult& result);
    void lost(const std::string& why);

    ApiClient& api_;
    CommandRunner& runner_;
    CommandJournal& journal_;
    ControlPlaneState& state_;
    OwnedTasks& tasks_;
    std::function<asio::awaitable<void>()> on_connected_;
    CommandStreamOptions options_;
    Notifier reconnect_wanted_;
    std::set<std::string> running_;  // ids of the commands in flight
};

}  // namespace bv::daemon
