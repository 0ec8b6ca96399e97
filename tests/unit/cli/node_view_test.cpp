#include "cli/node_view.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

namespace bv::cli {
namespace {

namespace v1 = blockvisor::v1;

v1::NodeInfo running_node() {
    v1::NodeInfo node;
    node.set_id("3f2a9c1e");
    node.set_name("calm-river-7");
    node.mutable_image()->set_protocol("ethereum");
    node.mutable_image()->set_node_type("reth");
    node.mutable_image()->set_version("1.2.3");
    node.set_status(v1::NODE_STATUS_RUNNING);
    node.set_desired(v1::NODE_STATUS_RUNNING);
    node.set_uptime_seconds(3 * 3600 + 4 * 60);
    node.set_pid(4242);
    node.mutable_network()->set_mode("host");
    node.mutable_requirements()->set_vcpu_count(2);
    node.mutable_requirements()->set_mem_size_mb(4096);
    node.mutable_requirements()->set_disk_size_gb(100);
    node.set_created_at_ms(1'714'566'896'000);
    return node;
}

v1::NodeRow running_row() {
    v1::NodeRow row;
    row.set_id("3f2a9c1e");
    row.set_name("calm-river-7");
    row.set_image("ethereum/reth/1.2.3");
    row.set_status(v1::NODE_STATUS_RUNNING);
    row.set_uptime_seconds(3 * 3600 + 4 * 60);
    return row;
}

std::string field(const Fields& fields, const std::string& key) {
    for (const auto& [name, value] : fields) {
        if (name == key) return value;
    }
    ADD_FAILURE() << "no field " << key;
    return {};
}

TEST(CliNodeView, StatusWordIsTheEnumNameInLowercase) {
    EXPECT_EQ(status_word(v1::NODE_STATUS_RUNNING), "running");
    EXPECT_EQ(status_word(v1::NODE_STATUS_STOPPED), "stopped");
    EXPECT_EQ(status_word(v1::NODE_STATUS_FAILED), "failed");
    EXPECT_EQ(status_word(v1::NODE_STATUS_UNSPECIFIED), "unspecified");
}

TEST(CliNodeView, EveryStatusHasItsEnumNameAsWord) {
    const auto* statuses = v1::NodeStatus_descriptor();
    for (int i = 0; i < statuses->value_count(); ++i) {
        auto word = statuses->value(i)->name().substr(std::string_view("NODE_STATUS_").size());
        std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return std::tolower(c); });
        EXPECT_EQ(status_word(static_cast<v1::NodeStatus>(statuses->value(i)->number())), word);
    }
}

TEST(CliNodeView, StatusFromANewerBvdIsUnknown) {
    EXPECT_EQ(status_word(static_cast<v1::NodeStatus>(99)), "unknown");
}

TEST(CliNodeView, StatusLineOfAFailedNodeGivesTheReason) {
    auto node = running_node();
    node.set_status(v1::NODE_STATUS_FAILED);
    node.set_failure("entry point 'reth' exited with code 1");
    EXPECT_EQ(node_status_line(node), "failed (entry point 'reth' exited with code 1)");
}

TEST(CliNodeView, StatusLineOfARunningNodeIsOneWord) {
    EXPECT_EQ(node_status_line(running_node()), "running");
}

std::vector<std::string> cells_of(const google::protobuf::RepeatedPtrField<v1::NodeRow>& rows) {
    const auto table = node_table(rows);
    return {table.cells.begin(), table.cells.end()};
}

TEST(CliNodeView, TableRowOfARunningNode) {
    google::protobuf::RepeatedPtrField<v1::NodeRow> rows;
    *rows.Add() = running_row();
    EXPECT_EQ(cells_of(rows), (std::vector<std::string>{"3f2a9c1e", "calm-river-7", "ethereum/reth/1.2.3", "running",
                                                       "3h 4m", "host"}));
    EXPECT_EQ(node_table(rows).cells.size(), node_table_header().size());
}

TEST(CliNodeView, TableRowOfAStoppedBridgedNode) {
    google::protobuf::RepeatedPtrField<v1::NodeRow> rows;
    auto& node = *rows.Add() = running_row();
    node.set_status(v1::NODE_STATUS_STOPPED);
    node.set_uptime_seconds(0);
    node.set_ip("10.20.0.5");
    const auto cells = cells_of(rows);
    EXPECT_EQ(cells[3], "stopped");
    EXPECT_EQ(cells[4], "-");
    EXPECT_EQ(cells[5], "10.20.0.5");
}

// The cells view the words made for them: those must stay where they are while more rows are
// added and when the table is moved (short words live inside their strings, which a growing
// vector would move).
TEST(CliNodeView, TableOfManyRowsShowsEachRowsOwnWords) {
    google::protobuf::RepeatedPtrField<v1::NodeRow> rows;
    for (int i = 0; i < 1000; ++i) {
        auto& node = *rows.Add() = running_row();
        node.set_name("node-" + std::to_string(i));
        node.set_uptime_seconds(static_cast<std::uint64_t>(i));
        if (i % 2 == 1) node.set_status(v1::NODE_STATUS_STOPPED);
    }
    auto built = node_table(rows);
    const auto table = std::move(built);
    ASSERT_EQ(table.cells.size(), 1000 * node_table_header().size());
    for (int i = 0; i < 1000; ++i) {
        const auto* row = &table.cells[static_cast<std::size_t>(i) * node_table_header().size()];
        EXPECT_EQ(row[1], "node-" + std::to_string(i));
        EXPECT_EQ(row[3], i % 2 == 1 ? "stopped" : "running");
        EXPECT_EQ(row[4], i % 2 == 1 ? "-" : format_duration(static_cast<std::uint64_t>(i)));
    }
}

TEST(CliNodeView, InfoFieldsOfARunningNode) {
    auto node = running_node();
    (*node.mutable_properties())["network"] = "mainnet";
    (*node.mutable_properties())["archive"] = "true";
    EXPECT_EQ(node_info_fields(node),
              (Fields{
                  {"id", "3f2a9c1e"},
                  {"name", "calm-river-7"},
                  {"image", "ethereum/reth/1.2.3"},
                  {"status", "running"},
                  {"desired", "running"},
                  {"uptime", "3h 4m"},
                  {"pid", "4242"},
                  {"backend", "sandbox"},
                  {"network", "host"},
                  {"properties", "archive=true, network=mainnet"},
                  {"requirements", "2 vCPU, 4.0 GiB memory, 100.0 GiB disk"},
                  {"created", "2024-05-01 12:34:56 UTC"},
                  {"failure", "-"},
                  {"entry points", "-"},
              }));
}

TEST(CliNodeView, InfoFieldsOfAFailedBridgedNode) {
    auto node = running_node();
    node.set_status(v1::NODE_STATUS_FAILED);
    node.set_pid(0);
    node.set_failure("sandbox exited");
    node.set_recovery_attempts(3);
    node.set_backend(v1::MACHINE_BACKEND_QEMU);
    node.mutable_network()->set_mode("bridge");
    node.mutable_network()->set_ip("10.20.0.5");
    node.mutable_network()->set_gateway("10.20.0.1");
    const auto fields = node_info_fields(node);
    for (const auto& [key, value] : Fields{{"uptime", "-"},
                                           {"pid", "-"},
                                           {"backend", "qemu"},
                                           {"network", "bridge, ip 10.20.0.5, gateway 10.20.0.1"},
                                           {"properties", "-"},
                                           {"failure", "sandbox exited (3 recovery attempts)"}}) {
        EXPECT_EQ(field(fields, key), value) << key;
    }
}

TEST(CliNodeView, EntryPointsLineUpUnderOneKey) {
    auto node = running_node();
    auto* reth = node.add_entry_points();
    reth->set_name("reth");
    reth->set_pid(100);
    reth->set_restarts(1);
    auto* lighthouse = node.add_entry_points();
    lighthouse->set_name("lighthouse");
    lighthouse->set_pid(101);
    lighthouse->set_restarts(2);
    lighthouse->set_last_exit("killed by signal 9");
    const auto fields = node_info_fields(node);
    ASSERT_GE(fields.size(), 2u);
    EXPECT_EQ(fields[fields.size() - 2],
              (std::pair<std::string, std::string>{"entry points", "reth (pid 100, 1 restart)"}));
    EXPECT_EQ(fields.back(),
              (std::pair<std::string, std::string>{
                  "", "lighthouse (pid 101, 2 restarts, last exit: killed by signal 9)"}));
}

TEST(CliNodeView, MetricsFieldsAreSortedValuesThenErrors) {
    v1::NodeMetrics metrics;
    (*metrics.mutable_values())["peers"] = "12";
    (*metrics.mutable_values())["height"] = "19000000";
    (*metrics.mutable_errors())["consensus"] = "method timed out after 5 s";
    metrics.set_collected_at_ms(1'714'566'896'000);
    EXPECT_EQ(node_metrics_fields(metrics),
              (Fields{{"height", "19000000"},
                      {"peers", "12"},
                      {"consensus", "error: method timed out after 5 s"},
                      {"collected", "2024-05-01 12:34:56 UTC"}}));
}

TEST(CliNodeView, EventLineIsTimeNameEventMessage) {
    v1::NodeEvent event;
    event.set_node_id("3f2a9c1e");
    event.set_node_name("calm-river-7");
    event.set_kind(v1::NODE_EVENT_KIND_STATUS);
    event.set_status(v1::NODE_STATUS_FAILED);
    event.set_message("entry point 'reth' exited with code 1");
    event.set_at_ms(1'714'566'896'000);
    EXPECT_EQ(node_event_line(event),
              "2024-05-01 12:34:56 UTC calm-river-7 failed entry point 'reth' exited with code 1");
}

TEST(CliNodeView, EventLineNamesKindsOtherThanStatus) {
    v1::NodeEvent event;
    event.set_node_name("calm-river-7");
    event.set_kind(v1::NODE_EVENT_KIND_RECOVERING);
    event.set_status(v1::NODE_STATUS_FAILED);
    event.set_message("attempt 1 of 5");
    event.set_at_ms(1'714'566'896'000);
    EXPECT_EQ(node_event_line(event), "2024-05-01 12:34:56 UTC calm-river-7 recovering attempt 1 of 5");
}

TEST(CliNodeView, EventLineWithoutNameOrMessage) {
    v1::NodeEvent event;
    event.set_node_id("3f2a9c1e");
    event.set_kind(v1::NODE_EVENT_KIND_STATUS);
    event.set_status(v1::NODE_STATUS_DELETED);
    event.set_at_ms(1'714'566'896'000);
    EXPECT_EQ(node_event_line(event), "2024-05-01 12:34:56 UTC 3f2a9c1e deleted");
}

}  // namespace
}  // namespace bv::cli
