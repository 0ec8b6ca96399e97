#include "daemon/event_bus.hpp"

#include <algorithm>

namespace bv::daemon {

EventBus::Subscription::Subscription(EventBus& bus) : bus_(bus) { bus_.subscriptions_.push_back(this); }

EventBus::Subscription::~Subscription() { std::erase(bus_.subscriptions_, this); }

asio::awaitable<v1::NodeEvent> EventBus::Subscription::next() {
    while (queue_.empty()) co_await arrived_.wait();
    auto event = std::move(queue_.front());
    queue_.pop_front();
    co_return event;
}

void EventBus::publish(const v1::NodeEvent& event) {
    for (auto* subscription : subscriptions_) {
        if (subscription->queue_.size() >= kQueueLimit) subscription->queue_.pop_front();
        subscription->queue_.push_back(event);
        subscription->arrived_.notify_all();
    }
}

}  // namespace bv::daemon
