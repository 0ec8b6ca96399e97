// 1,000 node lives (create, start, stop, delete) on one bvd leave it where it started: its open
// files and anonymous memory, and on the host the mounts, cgroups, network links and processes
// of nodes. A resource kept per node would grow here 1,000 times.
//
// Labelled `leaks` (a couple of minutes): `ctest -LE leaks` skips it.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/host_under_test.hpp"
#include "support/process.hpp"
#include "support/test_images.hpp"

namespace bv::test {
namespace {

std::size_t entries_in(const std::filesystem::path& directory) {
    std::error_code ec;
    std::size_t count = 0;
    for (auto it = std::filesystem::directory_iterator(directory, ec); !ec && it != std::filesystem::directory_iterator();
         it.increment(ec)) {
        ++count;
    }
    return count;
}

std::size_t directories_in(const std::filesystem::path& directory) {
    std::error_code ec;
    std::size_t count = 0;
    for (auto it = std::filesystem::directory_iterator(directory, ec); !ec && it != std::filesystem::directory_iterator();
         it.increment(ec)) {
        count += it->is_directory(ec);
    }
    return count;
}

std::size_t lines_containing(const std::filesystem::path& file, const std::string& text) {
    std::ifstream in(file);
    std::size_t count = 0;
    for (std::string line; std::getline(in, line);) count += line.find(text) != std::string::npos;
    return count;
}

std::uint64_t anonymous_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with("RssAnon:")) return std::stoull(line.substr(8));
    }
    return 0;
}

struct Footprint {
    std::size_t open_files = 0;
    std::uint64_t anonymous_kib = 0;
    std::size_t mounts = 0;
    std::size_t cgroups = 0;
    std::size_t links = 0;
    std::size_t processes = 0;

    std::string describe() const {
        std::ostringstream out;
        out << open_files << " open files, " << anonymous_kib << " KiB anonymous, " << mounts << " mounts, " << cgroups
            << " cgroups, " << links << " network links, " << processes << " processes";
        return out.str();
    }
};

class NodeCycles : public ::testing::Test {
protected:
    Footprint footprint() {
        const auto pid = host_.daemon().pid();
        Footprint taken;
        taken.open_files = entries_in("/proc/" + std::to_string(pid) + "/fd");
        taken.anonymous_kib = anonymous_kib(pid);
        taken.mounts = lines_containing("/proc/self/mountinfo", host_.root().string());
        for (const auto* hierarchy : {"/sys/fs/cgroup/cpu/blockvisor", "/sys/fs/cgroup/memory/blockvisor",
                                      "/sys/fs/cgroup/blockvisor"}) {
            taken.cgroups += directories_in(hierarchy);
        }
        taken.links = entries_in("/sys/class/net");
        const auto root = host_.root().string() + "/";
        for (const auto& process : all_processes()) {
            std::error_code ec;
            const auto process_root = std::filesystem::read_symlink("/proc/" + std::to_string(process.pid) + "/root", ec);
            if (!ec && process_root.string().starts_with(root)) ++taken.processes;
            else if (process.parent == pid) ++taken.processes;
        }
        return taken;
    }

    // One node's whole life; every fourth on the bridge (a veth pair and a namespace).
    void live(int cycle) {
        const auto name = "cycle-" + std::to_string(cycle);
        std::vector<std::string> create{"node", "create", "dummy/sleeper/1.0.0", "--name", name};
        if (cycle % 4 == 0) create.insert(create.end(), {"--network", "bridge", "--ip", "10.79.0.2", "--gateway", "10.79.0.1"});
        for (const auto& args : {create, std::vector<std::string>{"node", "start", name},
                                 std::vector<std::string>{"node", "stop", name},
                                 std::vector<std::string>{"node", "delete", name}}) {
            const auto result = host_.bv(args);
            ASSERT_EQ(result.exit_code, 0) << "cycle " << cycle << ": bv " << args.at(1) << ": " << result.err;
        }
    }

    HostUnderTest host_;
};

TEST_F(NodeCycles, AThousandNodeLivesLeaveBvdAndTheHostAsTheyWere) {
    ASSERT_EQ(host_.bv({"image", "import", test_image("dummy").string()}).exit_code, 0);
    // Warm-up: pools, caches and the allocator's arenas reach their working size first.
    for (int cycle = 0; cycle < 30; ++cycle) ASSERT_NO_FATAL_FAILURE(live(cycle));
    const auto before = footprint();
    for (int cycle = 30; cycle < 1030; ++cycle) ASSERT_NO_FATAL_FAILURE(live(cycle));
    ASSERT_TRUE(eventually([&] { return footprint().processes == before.processes; }, std::chrono::seconds(10)));
    const auto after = footprint();
    RecordProperty("before", before.describe());
    RecordProperty("after", after.describe());
    std::cout << "before: " << before.describe() << "\nafter:  " << after.describe() << "\n";
    EXPECT_LE(after.open_files, before.open_files + 2) << "bvd keeps files open per node";
    // The tolerance is the allocator's: 1 KiB a node would show as 1,000 KiB.
    EXPECT_LE(after.anonymous_kib, before.anonymous_kib + 512) << "bvd's memory grows with nodes that are gone";
    EXPECT_EQ(after.mounts, before.mounts) << "mounts of deleted nodes are left";
    EXPECT_EQ(after.cgroups, before.cgroups) << "cgroups of deleted nodes are left";
    EXPECT_EQ(after.links, before.links) << "network links of deleted nodes are left";
    EXPECT_EQ(after.processes, before.processes) << "processes of deleted nodes are left";
}

}  // namespace
}  // namespace bv::test
