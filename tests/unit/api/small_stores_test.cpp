// Keys, metrics, images, the schema and transactions.

#include "unit/api/store_fixture.hpp"

namespace bv::api::test {
namespace {

using KeyStoreTest = StoreTest;
using MetricsStoreTest = StoreTest;
using ImageCatalogTest = StoreTest;
using DatabaseTest = StoreTest;

google::protobuf::RepeatedPtrField<v1::NodeKey> keys(std::initializer_list<std::pair<const char*, const char*>> items) {
    google::protobuf::RepeatedPtrField<v1::NodeKey> result;
    for (const auto& [name, content] : items) {
        auto& key = *result.Add();
        key.set_name(name);
        key.set_content(content);
    }
    return result;
}

TEST_F(KeyStoreTest, SaveReplacesKeysOfTheSameNamesAndKeepsOthers) {
    store().keys.save("n1", keys({{"a.key", "one"}, {"b.key", "other"}}), kNow);
    store().keys.save("n1", keys({{"a.key", "two"}}), kNow + 1);
    reopen();
    const auto saved = store().keys.list("n1");
    ASSERT_EQ(saved.size(), 2u);
    EXPECT_EQ(saved[0].name(), "a.key");
    EXPECT_EQ(saved[0].content(), "two");
    EXPECT_EQ(saved[0].saved_at_ms(), kNow + 1);
    EXPECT_EQ(saved[1].name(), "b.key");
    EXPECT_TRUE(store().keys.list("n2").empty());
}

TEST_F(KeyStoreTest, BinaryContentIsKeptExactly) {
    google::protobuf::RepeatedPtrField<v1::NodeKey> binary;
    binary.Add()->set_name("k");
    binary.Mutable(0)->set_content(std::string("\0\x01\xfe\xff", 4));
    store().keys.save("n1", binary, kNow);
    EXPECT_EQ(store().keys.list("n1")[0].content(), std::string("\0\x01\xfe\xff", 4));
}

TEST_F(KeyStoreTest, NamesThatAreNotPlainFileNamesAreRefusedAndNothingIsSaved) {
    for (const char* name : {"../x", "a/b", ".", "..", ""}) {
        EXPECT_TRUE(mentions(error_of([&] { store().keys.save("n1", keys({{"good", "x"}, {name, "x"}}), kNow); }),
                             {"invalid_argument: "}))
            << name;
    }
    EXPECT_TRUE(store().keys.list("n1").empty());
}

TEST_F(MetricsStoreTest, KeepsTheLatestReportOfTheHostAndOfItsOwnNodes) {
    add_host("one");
    add_host("two");
    add_node("host-one", "n1", "a");
    add_node("host-two", "n2", "b");
    v1::ReportMetricsRequest report;
    report.mutable_host()->set_cpu_count(2);
    auto& node = *report.add_nodes();
    node.set_node_id("n1");
    (*node.mutable_values())["height"] = "100";
    report.add_nodes()->set_node_id("n2");  // another host's: left out
    store().metrics.save("host-one", report, kNow);
    (*report.mutable_nodes(0)->mutable_values())["height"] = "101";
    store().metrics.save("host-one", report, kNow + 30'000);
    EXPECT_EQ(store().metrics.of_host("host-one")->metrics.cpu_count(), 2u);
    const auto latest = store().metrics.of_node("n1");
    ASSERT_TRUE(latest);
    EXPECT_EQ(latest->metrics.values().at("height"), "101");
    EXPECT_EQ(latest->at_ms, kNow + 30'000);
    EXPECT_FALSE(store().metrics.of_node("n2"));
    EXPECT_FALSE(store().metrics.of_host("host-two"));
}

TEST_F(ImageCatalogTest, ImagesAreAddedOnce) {
    admin::Image image;
    image.set_name("dummy/sleeper/1.0.0");
    image.set_file("images/dummy.tar.gz");
    image.set_size(1234);
    image.set_sha256("ab");
    image.mutable_requirements()->set_vcpu_count(2);
    store().images.add(image);
    EXPECT_TRUE(mentions(error_of([&] { store().images.add(image); }), {"already_exists: ", "immutable"}));
    reopen();
    const auto found = store().images.find("dummy/sleeper/1.0.0");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->size(), 1234u);
    EXPECT_EQ(found->requirements().vcpu_count(), 2u);
    EXPECT_EQ(store().images.list().size(), 1u);
}

TEST_F(DatabaseTest, UnfinishedTransactionLeavesNothing) {
    add_host("one");
    try {
        Transaction transaction(store().db);
        store().hosts.revoke("host-one", kNow);
        add_host("two");  // nested: part of the outer one
        throw std::runtime_error("cut short");
    } catch (const std::runtime_error&) {
    }
    EXPECT_FALSE(store().hosts.is_revoked("host-one"));
    EXPECT_FALSE(store().hosts.find("host-two"));
}

TEST_F(DatabaseTest, OpensInWalModeAtTheCurrentSchema) {
    auto mode = store().db.prepare("PRAGMA journal_mode");
    ASSERT_TRUE(mode.step());
    EXPECT_EQ(mode.text(0), "wal");
    auto version = store().db.prepare("PRAGMA user_version");
    ASSERT_TRUE(version.step());
    EXPECT_EQ(version.integer(0), current_schema_version());
}

TEST_F(DatabaseTest, ADatabaseOfANewerBvApiIsRefused) {
    store().db.execute_script("PRAGMA user_version = 99");
    try {
        reopen();
        FAIL() << "opened a database of schema version 99";
    } catch (const DatabaseError& error) {
        EXPECT_TRUE(mentions(error.what(), {"schema version 99", "newer bv-api"}));
    }
}

}  // namespace
}  // namespace bv::api::test
