#include "api/node_store.hpp"

#include "unit/api/store_fixture.hpp"

namespace bv::api::test {
namespace {

class NodeStoreTest : public StoreTest {
protected:
    void SetUp() override {
        add_host("one");
        add_host("two");
    }
    v1::UpdateNodeStatusRequest update(const std::string& node_id, v1::NodeStatus status, std::uint64_t sequence) {
        v1::UpdateNodeStatusRequest request;
        request.set_node_id(node_id);
        request.set_status(status);
        request.set_sequence(sequence);
        request.mutable_node()->set_id(node_id);
        request.mutable_node()->set_name("local-" + node_id);
        request.mutable_node()->set_image("dummy/sleeper/1.0.0");
        request.mutable_node()->set_status(status);
        return request;
    }
};

TEST_F(NodeStoreTest, AddedNodeIsStoppedAndUnreported) {
    const auto node = add_node("host-one", "n1", "eth-1");
    EXPECT_EQ(node.desired(), v1::NODE_STATUS_STOPPED);
    EXPECT_EQ(node.status(), v1::NODE_STATUS_UNSPECIFIED);
    EXPECT_EQ(store().nodes.resolve("eth-1").id(), "n1");
    EXPECT_TRUE(store().nodes.name_taken("eth-1"));
}

TEST_F(NodeStoreTest, KeepsTheUpdateWithTheHighestSequence) {
    add_node("host-one", "n1", "eth-1");
    EXPECT_TRUE(store().nodes.apply_status("host-one", update("n1", v1::NODE_STATUS_STARTING, 10), kNow));
    EXPECT_TRUE(store().nodes.apply_status("host-one", update("n1", v1::NODE_STATUS_RUNNING, 12), kNow));
    EXPECT_FALSE(store().nodes.apply_status("host-one", update("n1", v1::NODE_STATUS_STARTING, 11), kNow));
    EXPECT_FALSE(store().nodes.apply_status("host-one", update("n1", v1::NODE_STATUS_STOPPED, 12), kNow))
        << "the same sequence again is not newer";
    const auto node = *store().nodes.find("n1");
    EXPECT_EQ(node.status(), v1::NODE_STATUS_RUNNING);
    EXPECT_EQ(node.sequence(), 12u);
    EXPECT_EQ(node.reported().status(), v1::NODE_STATUS_RUNNING);
    EXPECT_EQ(node.name(), "eth-1") << "the name given at create stays";
}

TEST_F(NodeStoreTest, SequencesFromTheClockFitAndCompare) {
    add_node("host-one", "n1", "eth-1");
    const std::uint64_t from_clock = 1'700'000'000'000'000'000ull;  // nanoseconds since the epoch
    store().nodes.apply_status("host-one", update("n1", v1::NODE_STATUS_RUNNING, from_clock + 1), kNow);
    EXPECT_FALSE(store().nodes.apply_status("host-one", update("n1", v1::NODE_STATUS_STOPPED, from_clock), kNow));
    EXPECT_EQ(store().nodes.find("n1")->sequence(), from_clock + 1);
}

TEST_F(NodeStoreTest, ANodeTheHostCreatedItselfIsAdded) {
    EXPECT_TRUE(store().nodes.apply_status("host-one", update("local", v1::NODE_STATUS_STOPPED, 1), kNow));
    const auto node = *store().nodes.find("local");
    EXPECT_EQ(node.host_id(), "host-one");
    EXPECT_EQ(node.name(), "local-local");
    EXPECT_EQ(node.image(), "dummy/sleeper/1.0.0");
    EXPECT_EQ(node.status(), v1::NODE_STATUS_STOPPED);
}

TEST_F(NodeStoreTest, AnotherHostsNodeIsRefused) {
    add_node("host-one", "n1", "eth-1");
    EXPECT_TRUE(mentions(error_of([&] { store().nodes.apply_status("host-two", update("n1", v1::NODE_STATUS_RUNNING, 5), kNow); }),
                         {"permission_denied: "}));
    EXPECT_EQ(store().nodes.find("n1")->status(), v1::NODE_STATUS_UNSPECIFIED);
}

TEST_F(NodeStoreTest, DeletedNodeFreesItsNameAndLosesItsKeys) {
    add_node("host-one", "n1", "eth-1");
    google::protobuf::RepeatedPtrField<v1::NodeKey> keys;
    keys.Add()->set_name("validator.key");
    store().keys.save("n1", keys, kNow);
    store().nodes.mark_deleted("n1", "", kNow);
    EXPECT_FALSE(store().nodes.name_taken("eth-1"));
    EXPECT_TRUE(store().keys.list("n1").empty());
    EXPECT_EQ(store().nodes.find("n1")->status(), v1::NODE_STATUS_DELETED);
    EXPECT_TRUE(store().nodes.list("", false).empty());
    EXPECT_EQ(store().nodes.list("", true).size(), 1u);
    EXPECT_TRUE(mentions(error_of([&] { store().nodes.resolve("eth-1"); }), {"not_found: "}));
    add_node("host-two", "n2", "eth-1");
    EXPECT_EQ(store().nodes.resolve("eth-1").id(), "n2");
}

TEST_F(NodeStoreTest, DeletedStatusFromTheHostRemovesKeysToo) {
    add_node("host-one", "n1", "eth-1");
    google::protobuf::RepeatedPtrField<v1::NodeKey> keys;
    keys.Add()->set_name("validator.key");
    store().keys.save("n1", keys, kNow);
    store().nodes.apply_status("host-one", update("n1", v1::NODE_STATUS_DELETED, 3), kNow);
    EXPECT_TRUE(store().keys.list("n1").empty());
}

TEST_F(NodeStoreTest, ListsByHost) {
    add_node("host-one", "n1", "a");
    add_node("host-two", "n2", "b");
    add_node("host-one", "n3", "c");
    const auto nodes = store().nodes.list("host-one", false);
    ASSERT_EQ(nodes.size(), 2u);
    EXPECT_EQ(nodes[0].id(), "n1");
    EXPECT_EQ(nodes[1].id(), "n3");
}

}  // namespace
}  // namespace bv::api::test
