// The sandbox spawner (machine/sandbox_spawner.hpp): the small process, forked from bvd at its
// start, that forks every sandbox's launcher. The real bvd on a temporary root.

#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <algorithm>

#include "support/host_under_test.hpp"
#include "support/test_images.hpp"

namespace bv::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

std::optional<ProcessEntry> process(pid_t pid) {
    for (const auto& entry : all_processes()) {
        if (entry.pid == pid) return entry;
    }
    return std::nullopt;
}

// bvd's spawner; 0 when it has none (the only child of bvd with that name).
pid_t spawner_of(pid_t bvd) {
    pid_t found = 0;
    for (const auto& entry : all_processes()) {
        if (entry.parent == bvd && entry.name == "bvd-spawner" && entry.state != 'Z') found = entry.pid;
    }
    return found;
}

bool exited(pid_t pid) {
    const auto entry = process(pid);
    return !entry || entry->state == 'Z';
}

class SandboxSpawner : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_EQ(host_.bv({"image", "import", test_image("dummy").string()}).exit_code, 0); }

    // Creates and starts a node; its PID 1's host PID.
    pid_t start_node(const std::string& name) {
        host_.bv_ok({"node", "create", "dummy/sleeper/1.0.0", "--name", name});
        host_.bv_ok({"node", "start", name});
        return json::value_to<pid_t>(json::parse(host_.bv_ok({"node", "info", name, "--json"})).at("pid"));
    }

    HostUnderTest host_;
};

TEST_F(SandboxSpawner, ASandboxIsBvdsChildNotTheSpawnersAndTheSpawnerLeavesWithBvd) {
    const pid_t bvd = host_.daemon().pid();
    const pid_t spawner = spawner_of(bvd);
    ASSERT_NE(spawner, 0) << "bvd has no bvd-spawner child";
    const pid_t init = start_node("child");
    // Re-parented to bvd, the subreaper, when its launcher exited: bvd reaps it, and it is
    // nobody's child once bvd is gone.
    const auto entry = process(init);
    ASSERT_TRUE(entry);
    EXPECT_EQ(entry->parent, bvd);
    EXPECT_EQ(spawner_of(bvd), spawner) << "one spawner serves every start";
    // Killed, bvd closes nothing itself: the kernel closes its end of the socket pair.
    host_.daemon().signal(SIGKILL);
    EXPECT_TRUE(eventually([&] { return exited(spawner); }, 10s)) << "the spawner outlived bvd";
    EXPECT_FALSE(exited(init)) << "the node went with bvd";
}

TEST_F(SandboxSpawner, AKilledSpawnerIsForkedAgainAtTheNextStart) {
    const pid_t bvd = host_.daemon().pid();
    const pid_t first = spawner_of(bvd);
    ASSERT_NE(first, 0);
    ::kill(first, SIGKILL);
    ASSERT_TRUE(eventually([&] { return exited(first); }, 10s));
    start_node("after");
    const pid_t second = spawner_of(bvd);
    EXPECT_NE(second, 0) << "no spawner after the start";
    EXPECT_NE(second, first);
    // bvd reaps the killed one, as any orphan's zombie.
    EXPECT_TRUE(eventually([&] { return !process(first); }, 10s)) << "the killed spawner stays a zombie";
    EXPECT_EQ(host_.bv_ok({"node", "run", "after", "echo", "--param", "TEXT=up"}), "up");
    start_node("again");
    EXPECT_EQ(spawner_of(bvd), second);
}

TEST_F(SandboxSpawner, AStepThatFailsInTheSandboxIsReportedByName) {
    host_.bv_ok({"node", "create", "dummy/sleeper/1.0.0", "--name", "broken"});
    // The overlay's lower layer gone: PID 1's mount of the root fails.
    const auto images = host_.root() / "var/lib/blockvisor/images";
    std::filesystem::path rootfs;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(images)) {
        if (entry.is_directory() && entry.path().filename() == "rootfs") rootfs = entry.path();
    }
    ASSERT_FALSE(rootfs.empty()) << "no image rootfs under " << images;
    std::filesystem::rename(rootfs, rootfs.string() + ".away");
    const auto started = host_.bv({"node", "start", "broken"});
    std::filesystem::rename(rootfs.string() + ".away", rootfs);
    EXPECT_NE(started.exit_code, 0);
    EXPECT_NE(started.err.find("mounting the overlay root failed"), std::string::npos) << started.err;
    // The spawner serves on.
    const pid_t spawner = spawner_of(host_.daemon().pid());
    host_.bv_ok({"node", "start", "broken"});
    EXPECT_EQ(spawner_of(host_.daemon().pid()), spawner);
}

}  // namespace
}  // namespace bv::test
