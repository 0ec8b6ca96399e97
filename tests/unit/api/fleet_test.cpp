#include "api/fleet.hpp"

#include "unit/api/store_fixture.hpp"

namespace bv::api::test {
namespace {

class FleetTest : public StoreTest {
protected:
    void SetUp() override {
        add_host("one");
        add_image("dummy/sleeper/1.0.0");
        add_image("dummy/sleeper/2.0.0");
        add_image("other/thing/2.0.0");
    }
    void add_image(const std::string& name) {
        admin::Image image;
        image.set_name(name);
        image.set_file("images/" + name);
        image.mutable_requirements()->set_mem_size_mb(256);
        store().images.add(image);
    }
    admin::CreateNodeRequest create_request(const std::string& name) {
        admin::CreateNodeRequest request;
        request.set_host("one");
        request.set_image("dummy/sleeper/1.0.0");
        request.set_name(name);
        (*request.mutable_properties())["network"] = "testnet";
        return request;
    }
    admin::ChangeNodeResponse change(const std::string& node, admin::NodeAction action, const std::string& image = {}) {
        admin::ChangeNodeRequest request;
        request.set_node(node);
        request.set_action(action);
        request.set_image(image);
        request.set_force(true);
        return fleet_.change_node(request, kNow);
    }
    v1::CompleteCommandRequest completion(const std::string& command_id, bool success) {
        v1::CompleteCommandRequest request;
        request.set_command_id(command_id);
        request.mutable_result()->set_success(success);
        if (!success) {
            request.mutable_result()->set_error_code("not_found");
            request.mutable_result()->set_error_message("image download failed");
        }
        return request;
    }

    Fleet fleet_{store()};
};

TEST_F(FleetTest, CreateAssignsIdsAndIssuesNodeCreateWithTheImagesRequirements) {
    const auto created = fleet_.create_node(create_request("eth-1"), kNow);
    const auto& command = created.command().command();
    ASSERT_TRUE(command.has_node_create());
    EXPECT_EQ(command.node_create().node_id(), created.node().id());
    EXPECT_EQ(created.node().id().size(), 36u);
    EXPECT_NE(command.id(), created.node().id());
    EXPECT_EQ(command.node_create().name(), "eth-1");
    EXPECT_EQ(command.node_create().properties().at("network"), "testnet");
    EXPECT_EQ(command.node_create().requirements().mem_size_mb(), 256u);
    EXPECT_EQ(created.command().host_id(), "host-one");
    EXPECT_EQ(created.command().state(), admin::COMMAND_STATE_PENDING);
    EXPECT_EQ(created.node().desired(), v1::NODE_STATUS_STOPPED);
    EXPECT_EQ(store().commands.undelivered("host-one", 0).size(), 1u);
}

TEST_F(FleetTest, CreateIsCheckedBeforeAnythingIsWritten) {
    fleet_.create_node(create_request("eth-1"), kNow);
    EXPECT_TRUE(mentions(error_of([&] { fleet_.create_node(create_request("eth-1"), kNow); }), {"already_exists: "}));
    EXPECT_TRUE(mentions(error_of([&] { fleet_.create_node(create_request("Bad_Name"), kNow); }),
                         {"invalid_argument: ", "Bad_Name"}));
    auto no_image = create_request("eth-2");
    no_image.set_image("nope/x/1");
    EXPECT_TRUE(mentions(error_of([&] { fleet_.create_node(no_image, kNow); }), {"not_found: ", "bv-api image add"}));
    auto no_host = create_request("eth-2");
    no_host.set_host("nobody");
    EXPECT_TRUE(mentions(error_of([&] { fleet_.create_node(no_host, kNow); }), {"not_found: "}));
    auto bridge = create_request("eth-2");
    bridge.mutable_network()->set_mode(v1::NETWORK_MODE_BRIDGE);
    bridge.mutable_network()->set_ip("10.0.0.300");
    bridge.mutable_network()->set_gateway("10.0.0.1");
    EXPECT_TRUE(mentions(error_of([&] { fleet_.create_node(bridge, kNow); }), {"invalid_argument: ", "--ip"}));
    bridge.mutable_network()->set_ip("10.0.0.3/24");
    EXPECT_TRUE(mentions(error_of([&] { fleet_.create_node(bridge, kNow); }), {"no error"}));
    store().hosts.revoke("host-one", kNow);
    EXPECT_TRUE(mentions(error_of([&] { fleet_.create_node(create_request("eth-3"), kNow); }),
                         {"failed_precondition: ", "revoked"}));
    EXPECT_EQ(store().commands.list("").size(), 2u);
    EXPECT_EQ(store().nodes.list("", true).size(), 2u);
}

TEST_F(FleetTest, EachActionIssuesItsCommandAndSetsWhatTheNodeShouldBe) {
    const auto node = fleet_.create_node(create_request("eth-1"), kNow).node();
    const auto start = change("eth-1", admin::NODE_ACTION_START);
    EXPECT_TRUE(start.command().command().has_node_start());
    EXPECT_EQ(start.node().desired(), v1::NODE_STATUS_RUNNING);
    const auto stop = change(node.id(), admin::NODE_ACTION_STOP);
    EXPECT_TRUE(stop.command().command().node_stop().force());
    EXPECT_EQ(stop.node().desired(), v1::NODE_STATUS_STOPPED);
    const auto restart = change("eth-1", admin::NODE_ACTION_RESTART);
    EXPECT_TRUE(restart.command().command().node_restart().force());
    EXPECT_EQ(restart.node().desired(), v1::NODE_STATUS_RUNNING);
    const auto upgrade = change("eth-1", admin::NODE_ACTION_UPGRADE, "dummy/sleeper/2.0.0");
    EXPECT_EQ(upgrade.command().command().node_upgrade().image(), "dummy/sleeper/2.0.0");
    EXPECT_EQ(upgrade.node().image(), "dummy/sleeper/2.0.0");
    EXPECT_EQ(upgrade.node().desired(), v1::NODE_STATUS_RUNNING) << "an upgrade changes the image, not the intent";
    const auto removal = change("eth-1", admin::NODE_ACTION_DELETE);
    EXPECT_TRUE(removal.command().command().has_node_delete());
    EXPECT_EQ(removal.node().desired(), v1::NODE_STATUS_DELETED);
    EXPECT_EQ(store().commands.undelivered("host-one", 0).size(), 6u);
}

TEST_F(FleetTest, UpgradeStaysWithinTheImagesProtocolAndNodeType) {
    fleet_.create_node(create_request("eth-1"), kNow);
    EXPECT_TRUE(mentions(error_of([&] { change("eth-1", admin::NODE_ACTION_UPGRADE, "other/thing/2.0.0"); }),
                         {"invalid_argument: ", "dummy/sleeper"}));
    EXPECT_TRUE(mentions(error_of([&] { change("eth-1", admin::NODE_ACTION_UPGRADE, "dummy/sleeper/9"); }),
                         {"not_found: "}));
    EXPECT_TRUE(mentions(error_of([&] { change("eth-1", admin::NODE_ACTION_UNSPECIFIED); }), {"invalid_argument: "}));
    EXPECT_EQ(store().nodes.resolve("eth-1").image(), "dummy/sleeper/1.0.0");
}

TEST_F(FleetTest, CompletedDeleteDeletesTheNode) {
    fleet_.create_node(create_request("eth-1"), kNow);
    const auto removal = change("eth-1", admin::NODE_ACTION_DELETE);
    EXPECT_TRUE(fleet_.complete_command("host-one", completion(removal.command().command().id(), true), kNow));
    EXPECT_EQ(store().nodes.find(removal.node().id())->status(), v1::NODE_STATUS_DELETED);
    EXPECT_TRUE(mentions(error_of([&] { change(removal.node().id(), admin::NODE_ACTION_START); }),
                         {"failed_precondition: ", "deleted"}));
}

TEST_F(FleetTest, FailedCreateLeavesNoNodeAndFreesTheName) {
    const auto created = fleet_.create_node(create_request("eth-1"), kNow);
    EXPECT_TRUE(fleet_.complete_command("host-one", completion(created.command().command().id(), false), kNow));
    const auto node = *store().nodes.find(created.node().id());
    EXPECT_EQ(node.status(), v1::NODE_STATUS_DELETED);
    EXPECT_TRUE(mentions(node.failure(), {"create failed: not_found: image download failed"}));
    EXPECT_TRUE(mentions(error_of([&] { fleet_.create_node(create_request("eth-1"), kNow); }), {"no error"}));
}

TEST_F(FleetTest, ASecondCompleteChangesNothing) {
    const auto created = fleet_.create_node(create_request("eth-1"), kNow);
    const auto id = created.command().command().id();
    EXPECT_TRUE(fleet_.complete_command("host-one", completion(id, true), kNow));
    EXPECT_FALSE(fleet_.complete_command("host-one", completion(id, false), kNow));
    EXPECT_NE(store().nodes.find(created.node().id())->status(), v1::NODE_STATUS_DELETED);
    EXPECT_TRUE(store().commands.find(id)->result().success());
}

TEST_F(FleetTest, CompleteWithoutResultIsRefused) {
    const auto created = fleet_.create_node(create_request("eth-1"), kNow);
    v1::CompleteCommandRequest request;
    request.set_command_id(created.command().command().id());
    EXPECT_TRUE(mentions(error_of([&] { fleet_.complete_command("host-one", request, kNow); }), {"invalid_argument: "}));
    EXPECT_EQ(store().commands.find(request.command_id())->state(), admin::COMMAND_STATE_PENDING);
}

TEST_F(FleetTest, HostReportInfoResultUpdatesTheHost) {
    v1::Command report;
    report.set_id("r1");
    report.mutable_host_report_info();
    store().commands.issue("host-one", "", report);
    auto request = completion("r1", true);
    request.mutable_result()->mutable_host()->set_name("renamed");
    request.mutable_result()->mutable_host()->set_cpu_count(64);
    fleet_.complete_command("host-one", request, kNow);
    EXPECT_EQ(store().hosts.find("host-one")->info().cpu_count(), 64u);
}

TEST(CommandKind, NamesTheOneofField) {
    v1::Command command;
    EXPECT_EQ(command_kind(command), "unknown");
    command.mutable_node_upgrade();
    EXPECT_EQ(command_kind(command), "node_upgrade");
    command.mutable_host_update_notice();
    EXPECT_EQ(command_kind(command), "host_update_notice");
}

}  // namespace
}  // namespace bv::api::test
