#include "daemon/event_bus.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

namespace bv::daemon {
namespace {

v1::NodeEvent event_number(std::uint64_t sequence) {
    v1::NodeEvent event;
    event.set_node_id("n");
    event.set_kind(v1::NODE_EVENT_KIND_STATUS);
    event.set_sequence(sequence);
    return event;
}

// The subscriber's next() results, read until its queue is drained.
std::vector<std::optional<std::uint64_t>> drain(EventBus::Subscription& subscription, std::size_t count) {
    asio::io_context io;
    std::vector<std::optional<std::uint64_t>> seen;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            for (std::size_t i = 0; i < count; ++i) {
                const auto event = co_await subscription.next();
                seen.push_back(event ? std::optional(event->sequence()) : std::nullopt);
            }
        },
        asio::detached);
    io.run();
    return seen;
}

TEST(EventBus, SubscribersGetEveryEventInOrder) {
    EventBus bus;
    auto subscription = bus.subscribe();
    for (std::uint64_t i = 1; i <= 3; ++i) bus.publish(event_number(i));
    EXPECT_EQ(drain(*subscription, 3), (std::vector<std::optional<std::uint64_t>>{1, 2, 3}));
}

TEST(EventBus, ASubscriberThatFellBehindIsToldItLostEventsThenGetsTheNewOnes) {
    EventBus bus;
    auto subscription = bus.subscribe();
    for (std::uint64_t i = 1; i <= EventBus::kQueueLimit + 2; ++i) bus.publish(event_number(i));
    const auto seen = drain(*subscription, 3);
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0], std::nullopt) << "the loss is reported first";
    EXPECT_EQ(seen[1], EventBus::kQueueLimit + 1);
    EXPECT_EQ(seen[2], EventBus::kQueueLimit + 2);
}

TEST(EventBus, ASlowSubscriberHoldsUpNoOther) {
    EventBus bus;
    auto slow = bus.subscribe();
    for (std::uint64_t i = 1; i <= EventBus::kQueueLimit + 1; ++i) bus.publish(event_number(i));
    auto late = bus.subscribe();
    bus.publish(event_number(EventBus::kQueueLimit + 2));
    EXPECT_EQ(drain(*late, 1), (std::vector<std::optional<std::uint64_t>>{EventBus::kQueueLimit + 2}));
}

}  // namespace
}  // namespace bv::daemon
