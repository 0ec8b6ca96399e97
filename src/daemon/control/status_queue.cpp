#include "daemon/control/status_queue.hpp"

namespace bv::daemon {

void StatusQueue::add(const blockvisor::v1::NodeEvent& event) {
    const auto [found, added] = latest_.try_emplace(event.node_id(), event);
    if (added) {
        order_.push_back(event.node_id());
    } else if (event.sequence() >= found->second.sequence()) {
        found->second = event;
    }
}

std::optional<blockvisor::v1::NodeEvent> StatusQueue::take() {
    if (order_.empty()) return std::nullopt;
    const auto node = order_.front();
    order_.pop_front();
    auto found = latest_.find(node);
    auto event = std::move(found->second);
    latest_.erase(found);
    return event;
}

void StatusQueue::put_back(const blockvisor::v1::NodeEvent& event) {
    const auto [found, added] = latest_.try_emplace(event.node_id(), event);
    if (added) order_.push_front(event.node_id());
}

}  // namespace bv::daemon
