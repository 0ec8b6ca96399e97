#include <gtest/gtest.h>

#include "daemon/control/api_client.hpp"
#include "daemon/control/api_messages.hpp"
#include "daemon/control/command_journal.hpp"
#include "daemon/control/host_identity.hpp"
#include "support/process.hpp"

namespace bv::daemon {
namespace {

TEST(TokenRefresh, DueInTheLastMinuteOfTheTokenAndNeverForUnknownExpiry) {
    EXPECT_FALSE(token_needs_refresh(1'000'000, 0));
    EXPECT_FALSE(token_needs_refresh(1'000'000, 1'000'000 + 60'001));
    EXPECT_TRUE(token_needs_refresh(1'000'000, 1'000'000 + 60'000));
    EXPECT_TRUE(token_needs_refresh(2'000'000, 1'000'000)) << "expired already";
}

TEST(ControlMessages, NodeCommandsNameTheirNodeAndKind) {
    api_v1::Command start;
    start.set_id("c1");
    start.mutable_node_start()->set_node_id("n1");
    EXPECT_EQ(node_of_command(start), "n1");
    EXPECT_EQ(command_kind_name(start), "node_start");
    api_v1::Command report;
    report.mutable_host_report_info();
    EXPECT_EQ(node_of_command(report), "");
    EXPECT_EQ(command_kind_name(report), "host_report_info");
    EXPECT_EQ(command_kind_name(api_v1::Command()), "unknown");
}

TEST(ControlMessages, ACreateCommandBecomesTheLocalRequestWithItsId) {
    api_v1::NodeCreate create;
    create.set_node_id("6b0e4a52-3c1f-4d8e-9a7b-2f5c8d1e0a93");
    create.set_name("n");
    create.set_image("dummy/sleeper/1.0.0");
    (*create.mutable_properties())["A"] = "1";
    create.mutable_network()->set_mode(api_v1::NETWORK_MODE_BRIDGE);
    create.mutable_network()->set_ip("10.0.0.5");
    create.mutable_network()->set_gateway("10.0.0.1");
    const auto request = create_request_of(create);
    EXPECT_EQ(request.id(), create.node_id());
    EXPECT_EQ(request.image(), "dummy/sleeper/1.0.0");
    EXPECT_EQ(request.properties().at("A"), "1");
    EXPECT_EQ(request.network().mode(), "bridge");
    EXPECT_EQ(request.network().ip(), "10.0.0.5");
    api_v1::NodeCreate host_network;
    EXPECT_EQ(create_request_of(host_network).network().mode(), "") << "the host network is the default";
}

TEST(ControlMessages, StatusesMapOneToOneAndAFailureCarriesItsReason) {
    EXPECT_EQ(api_status(v1::NODE_STATUS_RUNNING), api_v1::NODE_STATUS_RUNNING);
    EXPECT_EQ(api_status(v1::NODE_STATUS_DELETED), api_v1::NODE_STATUS_DELETED);
    EXPECT_EQ(api_status(static_cast<v1::NodeStatus>(77)), api_v1::NODE_STATUS_UNSPECIFIED);
    v1::NodeEvent failed;
    failed.set_node_id("n");
    failed.set_status(v1::NODE_STATUS_FAILED);
    failed.set_message("node 'n': running init failed: boom");
    failed.set_sequence(42);
    const auto update = status_update_of(failed, "h");
    EXPECT_EQ(update.host_id(), "h");
    EXPECT_EQ(update.failure(), "node 'n': running init failed: boom");
    EXPECT_EQ(update.sequence(), 42u);
    failed.set_status(v1::NODE_STATUS_CREATING);
    EXPECT_EQ(status_update_of(failed, "h").failure(), "") << "only a failed node has a failure";
}

TEST(OsRelease, ReadsNameAndVersionQuotedOrNot) {
    const auto release = parse_os_release("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n"
                                          "VERSION_ID=\"12\"\nID=debian\n");
    EXPECT_EQ(release.name, "Debian GNU/Linux");
    EXPECT_EQ(release.version, "12");
    EXPECT_EQ(parse_os_release("NAME=Alpine\nVERSION_ID=3.19.1").version, "3.19.1");
    EXPECT_EQ(parse_os_release("garbage").name, "");
}

TEST(CommandJournal, KeepsResultsAcrossInstancesAndPrunesTheOldest) {
    test::TempDir dir("bv-journal");
    {
        CommandJournal journal(dir.path() / "commands");
        api_v1::CommandResult result;
        result.set_success(false);
        result.set_error_code("not_found");
        journal.record("command/with odd ../ chars", result);
    }
    CommandJournal journal(dir.path() / "commands");
    const auto stored = journal.result_of("command/with odd ../ chars");
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->error_code(), "not_found");
    EXPECT_FALSE(journal.result_of("never run"));
    for (int i = 0; i < 5; ++i) journal.record("c" + std::to_string(i), api_v1::CommandResult());
    journal.prune(3);
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& file : std::filesystem::directory_iterator(dir.path() / "commands")) ++entries;
    EXPECT_EQ(entries, 3u);
}

}  // namespace
}  // namespace bv::daemon
