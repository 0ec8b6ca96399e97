#include "api/host_store.hpp"

#include "unit/api/store_fixture.hpp"

namespace bv::api::test {
namespace {

class HostStoreTest : public StoreTest {
protected:
    v1::HostInfo info(const std::string& name) {
        v1::HostInfo info;
        info.set_name(name);
        info.set_cpu_count(4);
        return info;
    }
    const HostTokens tokens_{"access", kNow + 1000, "refresh"};
};

TEST_F(HostStoreTest, ValidOtpProvisionsTheHostWithItsTokens) {
    store().hosts.add_otp("otp", kNow, kNow + 1000);
    const auto host = store().hosts.provision("otp", "h1", info("one"), tokens_, kNow + 10);
    EXPECT_EQ(host.id(), "h1");
    EXPECT_EQ(host.info().cpu_count(), 4u);
    EXPECT_EQ(host.provisioned_at_ms(), kNow + 10);
    EXPECT_EQ(store().hosts.authenticate("access", kNow + 999), "h1");
}

TEST_F(HostStoreTest, OtpIsSingleUse) {
    store().hosts.add_otp("otp", kNow, kNow + 1000);
    store().hosts.provision("otp", "h1", info("one"), tokens_, kNow);
    EXPECT_TRUE(mentions(error_of([&] { store().hosts.provision("otp", "h2", info("two"), {"a2", kNow + 1000, "r2"}, kNow); }), {"unauthenticated: ", "used already", "by host h1"}));
    EXPECT_FALSE(store().hosts.find("h2"));
}

TEST_F(HostStoreTest, ExpiredOrUnknownOtpIsRefusedAndNothingIsSaved) {
    store().hosts.add_otp("otp", kNow, kNow + 1000);
    EXPECT_TRUE(mentions(error_of([&] { store().hosts.provision("otp", "h1", info("one"), tokens_, kNow + 1000); }), {"unauthenticated: ", "expired"}));
    EXPECT_TRUE(mentions(error_of([&] { store().hosts.provision("other", "h1", info("one"), tokens_, kNow); }), {"unauthenticated: ", "unknown one-time password"}));
    EXPECT_TRUE(store().hosts.list().empty());
    EXPECT_TRUE(mentions(error_of([&] { store().hosts.authenticate("access", kNow); }), {"unauthenticated: "}));
}

TEST_F(HostStoreTest, AccessTokenExpires) {
    add_host("one");
    EXPECT_EQ(store().hosts.authenticate("access-one", kNow + 3'599'999), "host-one");
    EXPECT_TRUE(mentions(error_of([&] { store().hosts.authenticate("access-one", kNow + 3'600'000); }), {"unauthenticated: ", "expired"}));
    EXPECT_TRUE(mentions(error_of([&] { store().hosts.authenticate("refresh-one", kNow); }), {"unauthenticated: "}))
        << "a refresh token is no access token";
}

TEST_F(HostStoreTest, RefreshAddsAnAccessTokenAndForgetsExpiredOnes) {
    add_host("one");
    const auto later = kNow + 4'000'000;
    EXPECT_EQ(store().hosts.refresh("refresh-one", "access-2", later + 1000, later), "host-one");
    EXPECT_EQ(store().hosts.authenticate("access-2", later), "host-one");
    EXPECT_TRUE(mentions(error_of([&] { store().hosts.authenticate("access-one", later); }), {"unknown access token"}));
    EXPECT_TRUE(mentions(error_of([&] { store().hosts.refresh("access-2", "x", later, later); }), {"unauthenticated: "}));
}

TEST_F(HostStoreTest, RevokedHostCanNeitherCallNorRefresh) {
    add_host("one");
    add_host("two");
    store().hosts.revoke("host-one", kNow);
    EXPECT_TRUE(mentions(error_of([&] { store().hosts.authenticate("access-one", kNow); }), {"unauthenticated: ", "revoked"}));
    EXPECT_TRUE(mentions(error_of([&] { store().hosts.refresh("refresh-one", "new", kNow + 1000, kNow); }), {"unauthenticated: ", "revoked"}));
    EXPECT_TRUE(store().hosts.is_revoked("host-one"));
    EXPECT_TRUE(store().hosts.find("host-one")->revoked());
    EXPECT_EQ(store().hosts.authenticate("access-two", kNow), "host-two");
}

TEST_F(HostStoreTest, TokensAreStoredOnlyAsTheirHashes) {
    add_host("one");
    auto rows = store().db.prepare("SELECT hash FROM tokens");
    while (rows.step()) EXPECT_EQ(rows.text(0).find("access-one"), std::string::npos);
    auto otps = store().db.prepare("SELECT hash FROM otps");
    while (otps.step()) EXPECT_EQ(otps.text(0).find("otp-"), std::string::npos);
}

TEST_F(HostStoreTest, ResolvesByIdOrByAUniqueName) {
    add_host("one", "a");
    add_host("same", "b");
    add_host("same", "c");
    EXPECT_EQ(store().hosts.resolve("a").info().name(), "one");
    EXPECT_EQ(store().hosts.resolve("one").id(), "a");
    EXPECT_TRUE(mentions(error_of([&] { store().hosts.resolve("same"); }), {"invalid_argument: ", "2 hosts are named 'same'", "b, c"}));
    EXPECT_TRUE(mentions(error_of([&] { store().hosts.resolve("none"); }), {"not_found: "}));
}

TEST_F(HostStoreTest, StatusAndInfoUpdatesAreKept) {
    add_host("one");
    store().hosts.update_status("host-one", v1::HOST_STATUS_UPDATING, "to 0.2.0", "0.1.0", kNow + 5);
    auto renamed = info("renamed");
    store().hosts.update_info("host-one", renamed);
    reopen();
    const auto host = *store().hosts.find("host-one");
    EXPECT_EQ(host.status(), v1::HOST_STATUS_UPDATING);
    EXPECT_EQ(host.status_message(), "to 0.2.0");
    EXPECT_EQ(host.version(), "0.1.0");
    EXPECT_EQ(host.status_at_ms(), kNow + 5);
    EXPECT_EQ(host.info().name(), "renamed");
    EXPECT_EQ(store().hosts.resolve("renamed").id(), "host-one");
}

}  // namespace
}  // namespace bv::api::test
