#include <gtest/gtest.h>

#include "daemon/daemon_metrics.hpp"

namespace bv::daemon {
namespace {

namespace v1 = blockvisor::v1;

TEST(OperationMetrics, EachDurationCountsInTheFirstBucketThatHoldsIt) {
    OperationMetrics metrics;
    metrics.record(NodeOperation::start, OperationResult::success, std::chrono::milliseconds(10));
    metrics.record(NodeOperation::start, OperationResult::error, std::chrono::milliseconds(700));
    metrics.record(NodeOperation::start, OperationResult::success, std::chrono::seconds(1000));
    const auto& histogram = metrics.histogram(NodeOperation::start);
    EXPECT_EQ(histogram.buckets[0], 1u);  // 0.01: at most the bound
    EXPECT_EQ(histogram.buckets[4], 1u);  // 1 s
    EXPECT_EQ(histogram.count, 3u);       // 1000 s: only in +Inf
    EXPECT_DOUBLE_EQ(histogram.sum_seconds, 1000.71);
    EXPECT_EQ(metrics.count(NodeOperation::start, OperationResult::success), 2u);
    EXPECT_EQ(metrics.count(NodeOperation::start, OperationResult::error), 1u);
    EXPECT_EQ(metrics.count(NodeOperation::stop, OperationResult::success), 0u);
}

TEST(OperationMetrics, TimingIsAnErrorUnlessItSucceeded) {
    OperationMetrics metrics;
    { auto timing = metrics.time(NodeOperation::remove); }
    {
        auto timing = metrics.time(NodeOperation::remove);
        EXPECT_EQ(timing.succeeded(std::string("id")), "id");
    }
    EXPECT_EQ(metrics.count(NodeOperation::remove, OperationResult::error), 1u);
    EXPECT_EQ(metrics.count(NodeOperation::remove, OperationResult::success), 1u);
    EXPECT_EQ(metrics.histogram(NodeOperation::remove).count, 2u);
}

struct Fixture {
    v1::HostMetrics host;
    std::vector<v1::NodeInfo> nodes;
    std::map<std::string, v1::NodeMetrics> readings;
    OperationMetrics operations;
    ControlPlaneState control_plane;

    std::string text() {
        return format_prometheus_text(daemon_metric_families({"1.2.3", host, nodes, readings, operations, false, control_plane}));
    }
    v1::NodeInfo& add_node(const std::string& id, v1::NodeStatus status) {
        auto& node = nodes.emplace_back();
        node.set_id(id);
        node.set_name("name-" + id);
        node.mutable_image()->set_protocol("p");
        node.mutable_image()->set_node_type("t");
        node.mutable_image()->set_version("1");
        node.set_status(status);
        return node;
    }
};

TEST(DaemonMetrics, ChainValuesOnlyForRunningNodesAndOnlyNumbers) {
    Fixture fixture;
    fixture.add_node("a", v1::NODE_STATUS_RUNNING).add_entry_points()->set_restarts(3);
    fixture.add_node("b", v1::NODE_STATUS_STOPPED);
    auto& a = (*fixture.readings["a"].mutable_values());
    a["height"] = "42";
    a["peers"] = "many";
    a["sync_status"] = "syncing";
    (*fixture.readings["b"].mutable_values())["height"] = "7";
    const auto text = fixture.text();
    const std::string labels_a = "node_id=\"a\",node_name=\"name-a\",image=\"p/t/1\"";
    EXPECT_NE(text.find("\nblockvisor_node_height{" + labels_a + "} 42\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("blockvisor_node_height{node_id=\"b\""), std::string::npos) << "stopped: stale";
    EXPECT_EQ(text.find("blockvisor_node_peers{"), std::string::npos) << "not a number";
    EXPECT_NE(text.find("\nblockvisor_node_sync_status{" + labels_a + ",sync_status=\"syncing\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("\nblockvisor_node_restarts_total{" + labels_a + "} 3\n"), std::string::npos);
    EXPECT_NE(text.find("\nblockvisor_nodes{status=\"stopped\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("\nblockvisor_node_status{node_id=\"b\",node_name=\"name-b\",image=\"p/t/1\",status=\"running\"} 0\n"),
              std::string::npos);
    EXPECT_NE(text.find("\nblockvisor_build_info{version=\"1.2.3\"} 1\n"), std::string::npos);
}

}  // namespace
}  // namespace bv::daemon
