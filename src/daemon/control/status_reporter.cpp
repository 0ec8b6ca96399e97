#include "daemon/control/status_reporter.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>

#include "common/log.hpp"
#include "daemon/control/api_messages.hpp"

namespace bv::daemon {

using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;

namespace {

// The control plane is away, slow or busy: the update goes again later.
bool worth_retrying(rpc::Code code) {
    return code == rpc::Code::unavailable || code == rpc::Code::deadline_exceeded || code == rpc::Code::unauthenticated ||
           code == rpc::Code::resource_exhausted || code == rpc::Code::internal || code == rpc::Code::unknown;
}

}  // namespace

StatusReporter::StatusReporter(ApiClient& api, NodeManager& nodes, EventBus& events, ControlPlaneState& state,
                               std::function<void()> node_started)
    // Subscribed from the start: nothing that happens before the first connection is lost.
    : api_(api), nodes_(nodes), state_(state), node_started_(std::move(node_started)), subscription_(events.subscribe()) {}

asio::awaitable<void> StatusReporter::run() { co_await (take_events() && send_changes()); }

void StatusReporter::added() {
    state_.pending_status_updates = queue_.size();
    queued_.notify_all();
}

void StatusReporter::resend_all() {
    for (const auto& current : nodes_.current_statuses()) queue_.add(current);
    added();
}

asio::awaitable<void> StatusReporter::take_events() {
    for (;;) {
        const auto event = co_await subscription_->next();
        if (!event) {
            log::warn("control plane: node events were dropped for the status updates; sending every node's state");
            resend_all();
            continue;
        }
        if (event->kind() != v1::NODE_EVENT_KIND_STATUS) continue;
        if (event->status() == v1::NODE_STATUS_RUNNING) node_started_();
        queue_.add(*event);
        added();
    }
}

asio::awaitable<void> StatusReporter::send_changes() {
    for (;;) {
        while (queue_.empty() || !state_.connected) {
            if (queue_.empty()) {
                co_await queued_.wait();
            } else {
                co_await state_.changed.wait();
            }
        }
        auto event = *queue_.take();
        state_.pending_status_updates = queue_.size();
        bool sent = false;
        try {
            co_await send(event);
            sent = true;
        } catch (const rpc::Error& error) {
            if (!worth_retrying(error.code())) {
                // Refused for good (a node it does not know): sending it again changes nothing.
                log::warn("control plane: refused the status update of node {}: {}", event.node_id(), error.what());
                sent = true;
            } else {
                log::debug("control plane: status update of node {} not sent: {}", event.node_id(), error.what());
            }
        }
        if (!sent) {
            queue_.put_back(event);
            state_.pending_status_updates = queue_.size();
            // The command stream notices a lost control plane: wait for it, or a moment.
            co_await with_timeout(state_.changed.wait(), 2s);
        }
    }
}

asio::awaitable<void> StatusReporter::send(const v1::NodeEvent& event) {
    auto update = status_update_of(event, api_.host_id());
    if (event.status() != v1::NODE_STATUS_DELETED) {
        try {
            *update.mutable_node() = api_node_info(nodes_.info(event.node_id()));
        } catch (const rpc::Error&) {
            // Deleted since: the status says what it was.
        }
    }
    co_await api_.call(api::update_node_status, update, 15s);
}

}  // namespace bv::daemon
