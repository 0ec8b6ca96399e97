#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>

#include "daemon/control/api_client.hpp"
#include "daemon/control/control_plane_state.hpp"
#include "daemon/control/status_queue.hpp"
#include "daemon/event_bus.hpp"
#include "daemon/node_manager.hpp"

namespace bv::daemon {

// Sends every node status change to the control plane, in order per node, without ever
// holding up a node operation: changes wait in a StatusQueue (latest per node) while the
// control plane is away or slow, and the current state of every node is sent again after
// each reconnect and whenever the event bus dropped events for it.
class StatusReporter {
public:
    // `node_started` is called when a node becomes running.
    StatusReporter(ApiClient& api, NodeManager& nodes, EventBus& events, ControlPlaneState& state,
                   std::function<void()> node_started);

    // Both loops, until cancelled.
    asio::awaitable<void> run();
    // Queues the current state of every node (after a reconnect).
    void resend_all();

private:
    asio::awaitable<void> take_events();
    asio::awaitable<void> send_changes();
    asio::awaitable<void> send(const v1::NodeEvent& event);
    void added();

    ApiClient& api_;
    NodeManager& nodes_;
    ControlPlaneState& state_;
    std::function<void()> node_started_;
    std::unique_ptr<EventBus::Subscription> subscription_;
    StatusQueue queue_;
    Notifier queued_;
};

}  // namespace bv::daemon
