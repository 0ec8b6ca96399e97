#include "api/bundle_catalog.hpp"

#include "api/bundle_files.hpp"
#include "api/fleet.hpp"
#include "common/files.hpp"
#include "common/sha256.hpp"
#include "support/test_archives.hpp"
#include "unit/api/store_fixture.hpp"

namespace bv::api::test {
namespace {

using BundleCatalogTest = StoreTest;

admin::StoredBundle bundle(const std::string& version, std::int64_t at = kNow) {
    admin::StoredBundle stored;
    stored.set_file("blockvisor-" + version + ".tar.gz");
    stored.mutable_bundle()->set_version(version);
    stored.mutable_bundle()->set_size(10);
    stored.mutable_bundle()->set_sha256(std::string(64, '0'));
    stored.mutable_bundle()->set_published_at_ms(at);
    return stored;
}

TEST_F(BundleCatalogTest, ListsNewestVersionFirstByTheNumbersAndKeepsThemAcrossARestart) {
    for (const auto* version : {"1.9.0", "1.10.0", "0.1.0", "1.9.10", "2.0.0"}) store().bundles.add(bundle(version));
    reopen();
    std::vector<std::string> order;
    for (const auto& stored : store().bundles.list()) order.push_back(stored.bundle().version());
    EXPECT_EQ(order, (std::vector<std::string>{"2.0.0", "1.10.0", "1.9.10", "1.9.0", "0.1.0"}));
    ASSERT_TRUE(store().bundles.find("1.10.0"));
    EXPECT_EQ(store().bundles.find("1.10.0")->file(), "blockvisor-1.10.0.tar.gz");
    EXPECT_FALSE(store().bundles.find("3.0.0"));
}

TEST_F(BundleCatalogTest, AVersionIsPublishedOnce) {
    store().bundles.add(bundle("1.0.0"));
    const auto error = error_of([&] { store().bundles.add(bundle("1.0.0", kNow + 5)); });
    EXPECT_TRUE(mentions(error, {"already_exists: ", "bundle 1.0.0 is published already", "immutable"}));
    EXPECT_EQ(store().bundles.list().size(), 1u);
}

TEST_F(BundleCatalogTest, StoringCopiesTheFileUnderItsVersionWithItsHash) {
    const auto source = dir() / "from-scripts-bundle.tar.gz";
    bv::test::write_test_archive(source, {bv::test::file_entry("manifest.json", R"({"version": "4.5.6", "files": {"bin/blockvisor": ")" + sha256_hex("binary") + R"("}})"),
                                          bv::test::file_entry("bin/blockvisor", "binary")});
    const auto stored = store_bundle(source, dir() / "bundles", kNow);
    EXPECT_EQ(stored.bundle().version(), "4.5.6");
    EXPECT_EQ(stored.file(), "blockvisor-4.5.6.tar.gz");
    EXPECT_EQ(stored.bundle().sha256(), sha256_file(source));
    EXPECT_EQ(stored.bundle().size(), std::filesystem::file_size(source));
    EXPECT_EQ(read_file(dir() / "bundles" / stored.file()), read_file(source));
    int entries = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir() / "bundles")) ++entries;
    EXPECT_EQ(entries, 1) << "no temporary file left";
}

TEST_F(BundleCatalogTest, NoticesGoToEveryHostThatIsNotRevoked) {
    const auto a = add_host("a");
    const auto b = add_host("b");
    const auto c = add_host("c");
    store().hosts.revoke(b, kNow);
    Fleet fleet(store());
    const auto notices = fleet.notify_update("1.2.3", kNow);
    ASSERT_EQ(notices.size(), 2u);
    EXPECT_EQ(notices[0].host_id(), a);
    EXPECT_EQ(notices[1].host_id(), c);
    for (const auto& notice : notices) {
        EXPECT_EQ(notice.command().host_update_notice().version(), "1.2.3");
        EXPECT_EQ(notice.node_id(), "");
        EXPECT_EQ(store().commands.undelivered(notice.host_id(), 0).size(), 1u);
    }
}

}  // namespace
}  // namespace bv::api::test
