// A node the control plane creates on a host whose cache lacks its image: bvd (provisioned with
// --otp) locates the archive at bv-api, downloads it over HTTPS with bv-api's CA, checks and
// unpacks it into the cache, and creates the node from it.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/api_under_test.hpp"
#include "support/host_under_test.hpp"
#include "support/process.hpp"
#include "support/test_images.hpp"

namespace bv::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

TEST(FleetImages, ANodeCreatedByTheControlPlaneBringsItsImage) {
    ApiUnderTest api;
    const auto added = api.admin({"image", "add", test_image("dummy").string(), "--json"});
    ASSERT_EQ(added.exit_code, 0) << added.err;
    const auto image = std::string(json::parse(added.out).at("image").at("name").as_string());

    HostUnderTest host({"--otp", api.otp(), "--api", api.url(), "--ca", api.ca().string()});
    std::string host_id;
    ASSERT_TRUE(eventually([&] {
        const auto hosts = json::parse(api.admin({"hosts", "--json"}).out).at("hosts").as_array();
        if (hosts.empty()) return false;
        host_id = std::string(hosts.at(0).at("id").as_string());
        return true;
    }, 20s)) << host.daemon().err();
    EXPECT_EQ(json::parse(host.bv({"image", "list", "--json"}).out).at("images").as_array().size(), 0u);

    const auto created = api.admin({"node", "create", host_id, image, "--name", "fetched"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    ASSERT_TRUE(eventually([&] { return host.bv({"node", "info", "fetched"}).exit_code == 0; }, 60s))
        << host.daemon().err();
    const auto images = json::parse(host.bv({"image", "list", "--json"}).out).at("images").as_array();
    ASSERT_EQ(images.size(), 1u);
    EXPECT_EQ(images.at(0).at("name").as_string(), image);
    EXPECT_TRUE(std::filesystem::is_regular_file(host.root() / "var/lib/blockvisor/images" / image / "rootfs/bin/busybox"));
    EXPECT_TRUE(std::filesystem::is_empty(host.root() / "var/lib/blockvisor/images/.downloading"));
    EXPECT_NE(host.daemon().err().find("image " + image + ": downloaded and checked"), std::string::npos)
        << host.daemon().err();
}

}  // namespace
}  // namespace bv::test
