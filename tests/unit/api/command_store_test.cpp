#include "api/command_store.hpp"

#include "unit/api/store_fixture.hpp"

namespace bv::api::test {
namespace {

class CommandStoreTest : public StoreTest {
protected:
    void SetUp() override {
        add_host("one");
        add_host("two");
    }
    std::vector<std::string> undelivered_ids(const std::string& host, std::int64_t after = 0) {
        std::vector<std::string> ids;
        for (const auto& pending : store().commands.undelivered(host, after)) ids.push_back(pending.command.id());
        return ids;
    }
    v1::CommandResult ok() {
        v1::CommandResult result;
        result.set_success(true);
        return result;
    }
};

TEST_F(CommandStoreTest, UndeliveredAreTheHostsCommandsNotCompletedInIssueOrder) {
    // Issue order, not issue time: a clock that stepped back must not reorder commands.
    store().commands.issue("host-one", "node-1", command("c1", kNow + 50));
    store().commands.issue("host-two", "node-2", command("other"));
    store().commands.issue("host-one", "node-1", command("c2", kNow));
    store().commands.issue("host-one", "", command("c3"));
    EXPECT_EQ(undelivered_ids("host-one"), (std::vector<std::string>{"c1", "c2", "c3"}));
    const auto first = store().commands.undelivered("host-one", 0).front().sequence;
    EXPECT_EQ(undelivered_ids("host-one", first), (std::vector<std::string>{"c2", "c3"}));
    EXPECT_EQ(undelivered_ids("host-two"), (std::vector<std::string>{"other"}));
}

TEST_F(CommandStoreTest, AckedButNotCompletedIsStillUndelivered) {
    store().commands.issue("host-one", "node-1", command("c1"));
    const auto acked = store().commands.ack("host-one", "c1", kNow + 1);
    EXPECT_EQ(acked.state(), admin::COMMAND_STATE_ACKED);
    EXPECT_EQ(undelivered_ids("host-one"), (std::vector<std::string>{"c1"}));
}

TEST_F(CommandStoreTest, AckTwiceKeepsTheFirstAck) {
    store().commands.issue("host-one", "node-1", command("c1"));
    store().commands.ack("host-one", "c1", kNow + 1);
    EXPECT_EQ(store().commands.ack("host-one", "c1", kNow + 2).acked_at_ms(), kNow + 1);
}

TEST_F(CommandStoreTest, CompleteTwiceKeepsTheFirstResultAndIsNeverRedelivered) {
    store().commands.issue("host-one", "node-1", command("c1"));
    const auto first = store().commands.complete("host-one", "c1", ok(), kNow + 1);
    EXPECT_TRUE(first.completed_now);
    EXPECT_EQ(first.record.state(), admin::COMMAND_STATE_COMPLETED);
    EXPECT_EQ(first.record.acked_at_ms(), kNow + 1) << "completed without an ack: taken all the same";
    v1::CommandResult failure;
    failure.set_error_code("internal");
    const auto second = store().commands.complete("host-one", "c1", failure, kNow + 2);
    EXPECT_FALSE(second.completed_now);
    EXPECT_TRUE(second.record.result().success());
    EXPECT_EQ(second.record.completed_at_ms(), kNow + 1);
    EXPECT_TRUE(undelivered_ids("host-one").empty());
    // An ack after the result changes nothing.
    EXPECT_EQ(store().commands.ack("host-one", "c1", kNow + 3).state(), admin::COMMAND_STATE_COMPLETED);
}

TEST_F(CommandStoreTest, AnotherHostsCommandIsUnknownToAHost) {
    store().commands.issue("host-one", "node-1", command("c1"));
    EXPECT_TRUE(mentions(error_of([&] { store().commands.ack("host-two", "c1", kNow); }), {"not_found: "}));
    EXPECT_TRUE(mentions(error_of([&] { store().commands.complete("host-two", "c1", ok(), kNow); }), {"not_found: "}));
    EXPECT_TRUE(mentions(error_of([&] { store().commands.ack("host-one", "nope", kNow); }), {"not_found: "}));
    EXPECT_EQ(store().commands.find("c1")->state(), admin::COMMAND_STATE_PENDING);
}

TEST_F(CommandStoreTest, PendingCommandsSurviveAReopen) {
    store().commands.issue("host-one", "node-1", command("c1"));
    store().commands.issue("host-one", "node-1", command("c2"));
    store().commands.complete("host-one", "c1", ok(), kNow);
    reopen();
    EXPECT_EQ(undelivered_ids("host-one"), (std::vector<std::string>{"c2"}));
    const auto all = store().commands.list("");
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].state(), admin::COMMAND_STATE_COMPLETED);
    EXPECT_TRUE(all[0].result().success());
    EXPECT_EQ(all[1].command().node_start().node_id(), "node-1");
}

}  // namespace
}  // namespace bv::api::test
