#include "daemon/control/status_queue.hpp"

#include <gtest/gtest.h>

namespace bv::daemon {
namespace {

blockvisor::v1::NodeEvent change(const std::string& node, blockvisor::v1::NodeStatus status, std::uint64_t sequence) {
    blockvisor::v1::NodeEvent event;
    event.set_node_id(node);
    event.set_kind(blockvisor::v1::NODE_EVENT_KIND_STATUS);
    event.set_status(status);
    event.set_sequence(sequence);
    return event;
}

TEST(StatusQueue, KeepsTheLatestChangePerNodeInTheOrderNodesChanged) {
    StatusQueue queue;
    queue.add(change("a", blockvisor::v1::NODE_STATUS_STARTING, 1));
    queue.add(change("b", blockvisor::v1::NODE_STATUS_STARTING, 2));
    queue.add(change("a", blockvisor::v1::NODE_STATUS_RUNNING, 3));
    EXPECT_EQ(queue.size(), 2u);
    const auto first = queue.take();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->node_id(), "a");
    EXPECT_EQ(first->status(), blockvisor::v1::NODE_STATUS_RUNNING) << "the latest state wins";
    EXPECT_EQ(queue.take()->node_id(), "b");
    EXPECT_FALSE(queue.take());
}

TEST(StatusQueue, AnOlderChangeNeverReplacesANewerOne) {
    StatusQueue queue;
    queue.add(change("a", blockvisor::v1::NODE_STATUS_RUNNING, 5));
    queue.add(change("a", blockvisor::v1::NODE_STATUS_STARTING, 4));
    EXPECT_EQ(queue.take()->status(), blockvisor::v1::NODE_STATUS_RUNNING);
}

TEST(StatusQueue, AChangePutBackGoesFirstUnlessANewerOneCameMeanwhile) {
    StatusQueue queue;
    queue.add(change("a", blockvisor::v1::NODE_STATUS_STARTING, 1));
    queue.add(change("b", blockvisor::v1::NODE_STATUS_STARTING, 2));
    auto taken = *queue.take();
    queue.put_back(taken);
    EXPECT_EQ(queue.take()->node_id(), "a") << "a change that failed to go out is sent first";

    taken = *queue.take();  // b
    queue.add(change("b", blockvisor::v1::NODE_STATUS_RUNNING, 3));
    queue.put_back(taken);
    const auto latest = queue.take();
    EXPECT_EQ(latest->status(), blockvisor::v1::NODE_STATUS_RUNNING) << "the newer change stays";
    EXPECT_TRUE(queue.empty());
}

}  // namespace
}  // namespace bv::daemon
