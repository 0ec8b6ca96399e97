// What a sandbox node's create prepares ahead of its first start.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/files.hpp"
#include "support/host_under_test.hpp"
#include "support/test_images.hpp"

namespace bv::test {
namespace {

namespace json = boost::json;

// The overlay's first mount on a new upper layer costs 1-2.5 ms more than the later ones:
// create mounts it once, in a mount namespace of its own, and nothing stays mounted.
TEST(SandboxCreate, MountsTheOverlayOnceAheadAndLeavesNothingMounted) {
    HostUnderTest host;
    ASSERT_EQ(host.bv({"image", "import", test_image("dummy").string()}).exit_code, 0);
    const auto created = host.bv({"node", "create", "dummy/sleeper/1.0.0", "--name", "prepared", "-q"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    const auto id = created.out.substr(0, created.out.find('\n'));
    const auto node_dir = host.root() / "var/lib/blockvisor/nodes" / id;
    // overlayfs makes its work/work directory at a mount.
    EXPECT_TRUE(std::filesystem::is_directory(node_dir / "rootfs/work" / "work")) << "the overlay was not mounted ahead";
    EXPECT_EQ(read_file("/proc/self/mountinfo").find(id), std::string::npos) << "a mount of the node stayed on the host";
    EXPECT_TRUE(std::filesystem::is_empty(node_dir / "rootfs/root"));
    ASSERT_EQ(host.bv({"node", "start", "prepared"}).exit_code, 0);
    EXPECT_EQ(host.bv({"node", "run", "prepared", "echo", "--param", "TEXT=up"}).out, "up\n");
}

}  // namespace
}  // namespace bv::test
