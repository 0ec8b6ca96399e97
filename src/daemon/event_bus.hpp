#pragma once

#include <boost/asio/awaitable.hpp>
#include <deque>
#include <list>
#include <memory>
#include <optional>

#include "blockvisor/v1/node.pb.h"
#include "common/notifier.hpp"

namespace bv::daemon {

namespace v1 = blockvisor::v1;

// Node lifecycle events, from the node manager to whoever listens (bv node watch, the
// control-plane client). Each subscriber has its own queue, so a slow one holds up nobody.
class EventBus {
public:
    class Subscription {
    public:
        explicit Subscription(EventBus& bus);
        ~Subscription();
        Subscription(const Subscription&) = delete;
        Subscription& operator=(const Subscription&) = delete;
        // The next event, in order; nullopt when this subscriber fell more than kQueueLimit
        // events behind and lost some: it should read the current state instead (later
        // events arrive as usual).
        asio::awaitable<std::optional<v1::NodeEvent>> next();

    private:
        friend class EventBus;
        EventBus& bus_;
        std::deque<v1::NodeEvent> queue_;
        bool lost_some_ = false;
        Notifier arrived_;
    };

    static constexpr std::size_t kQueueLimit = 1000;

    void publish(const v1::NodeEvent& event);
    std::unique_ptr<Subscription> subscribe() { return std::make_unique<Subscription>(*this); }

private:
    std::list<Subscription*> subscriptions_;
};

}  // namespace bv::daemon
