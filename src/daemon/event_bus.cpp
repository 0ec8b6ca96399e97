#include "daemon/event_bus.hpp"

#include <algorithm>

namespace bv::daemon {

EventBus::Subscription::Subscription(EventBus& bus) : bus_(bus) { bus_.subscriptions_.push_back(this); }

EventBus::Subscription::~Subscription() { std::erase(bus_.subscriptions_, this); }

asio::awaitable<std::optional<v1::NodeEvent>> EventBus::Subscription::next() {
    while (queue_.empty() && !lost_some_) co_await arrived_.wait();
    if (lost_some_) {
        lost_some_ = false;
        co_return std::nullopt;
    }
    auto event = std::move(queue_.front());
    queue_.pop_front();
    co_return event;
}

void EventBus::publish(const v1::NodeEvent& event) {
    for (auto* subscription : subscriptions_) {
        if (subscription->queue_.size() >= kQueueLimit) {
            // What it holds is stale: it re-reads the current state, then goes on from here.
            subscription->queue_.clear();
            subscription->lost_some_ = true;
        }
        subscription->queue_.push_back(event);
        subscription->arrived_.notify_all();
    }
}

}  // namespace bv::daemon
