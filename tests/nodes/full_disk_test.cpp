// bvd on a root that fills up (a tmpfs of its own): every write that fails says so, leaves
// nothing half made, and once space is freed everything works again without a restart.

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/files.hpp"
#include "support/api_under_test.hpp"
#include "support/host_under_test.hpp"
#include "support/test_images.hpp"

namespace bv::test {
namespace {

using namespace std::chrono_literals;

class FullDisk : public ::testing::Test {
protected:
    // Takes all the free space of the root but `leave` bytes, in one file.
    void fill_leaving(std::uint64_t leave) {
        free_space();
        struct statvfs stats {};
        ASSERT_EQ(::statvfs(host_.root().c_str(), &stats), 0);
        const auto available = static_cast<std::uint64_t>(stats.f_bavail) * stats.f_frsize;
        ASSERT_GT(available, leave);
        const int fd = ::open(filler().c_str(), O_CREAT | O_WRONLY, 0600);
        ASSERT_GE(fd, 0);
        EXPECT_EQ(::posix_fallocate(fd, 0, static_cast<off_t>(available - leave)), 0);
        ::close(fd);
    }
    void free_space() { std::filesystem::remove(filler()); }
    std::filesystem::path filler() const { return host_.root() / "filler"; }

    // bv ARGS must fail, saying the disk is full (`says`).
    void expect_full_disk_error(std::vector<std::string> args, const std::string& says = "No space left on device") {
        const auto result = host_.bv(args);
        EXPECT_EQ(result.exit_code, 1) << args.at(0) << " " << args.at(1) << ": " << result.out;
        EXPECT_NE(result.err.find(says), std::string::npos) << result.err;
        EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << "one line: " << result.err;
    }

    std::string bv_ok(std::vector<std::string> args) { return host_.bv_ok(std::move(args)); }

    // Entries of a state directory that a cut-short write leaves (hidden temporaries).
    std::vector<std::string> leftovers(const std::filesystem::path& directory) const {
        std::vector<std::string> found;
        std::error_code ec;
        for (const auto& entry : std::filesystem::recursive_directory_iterator(directory, ec)) {
            const auto name = entry.path().filename().string();
            if (name.starts_with(".")) found.push_back(entry.path().string());
        }
        return found;
    }

    // The dummy image asking for no disk of its own: the small root has not the 1 GB the
    // dummy image reserves, and the test is about writes failing, not about admission.
    std::filesystem::path image_without_disk_reservation() {
        const auto directory = images_.path() / "dummy";
        std::filesystem::copy(test_image("dummy"), directory,
                              std::filesystem::copy_options::recursive | std::filesystem::copy_options::copy_symlinks);
        auto config = read_file(directory / "babel.toml");
        const auto reservation = config.find("disk_size_gb = 1");
        config.replace(reservation, 16, "disk_size_gb = 0");
        write_file_atomically(directory / "babel.toml", config);
        return directory;
    }

    TempDir images_{"bv-full-disk-image"};
    HostUnderTest host_{SmallRoot{96ull << 20}};
    std::filesystem::path state_ = host_.root() / "var/lib/blockvisor";
};

TEST_F(FullDisk, ImportCreateAndStartFailCleanlyAndWorkOnceSpaceIsFreed) {
    // Import: refused, no image half there.
    const auto image = image_without_disk_reservation();
    fill_leaving(256 << 10);
    expect_full_disk_error({"image", "import", image.string()}, "not enough disk space; it takes 2 MiB and 0 MiB are free");
    EXPECT_EQ(bv_ok({"image", "list", "--json"}).find("dummy/sleeper"), std::string::npos) << "no half image";
    EXPECT_TRUE(leftovers(state_).empty()) << leftovers(state_).front();

    // Import of an image whose bytes fit but whose files do not (a thousand 1-byte files take a
    // page each): the copy itself runs out of space, and says so.
    const auto many_files = images_.path() / "many-files";
    copy_tree_exactly(image, many_files);
    std::filesystem::create_directories(many_files / "rootfs/many");
    for (int i = 0; i < 1000; ++i) write_file_atomically(many_files / "rootfs/many" / std::to_string(i), "x");
    fill_leaving((3 << 20) + (512 << 10));
    expect_full_disk_error({"image", "import", many_files.string()}, "the disk filled up while copying it");
    EXPECT_EQ(bv_ok({"image", "list", "--json"}).find("dummy/sleeper"), std::string::npos) << "no half image";
    EXPECT_TRUE(leftovers(state_).empty()) << leftovers(state_).front();
    free_space();
    bv_ok({"image", "import", image.string()});

    // Create: refused, no half node.
    fill_leaving(64 << 10);
    expect_full_disk_error({"node", "create", "dummy/sleeper/1.0.0", "--name", "tight"});
    EXPECT_EQ(host_.bv({"node", "info", "tight"}).exit_code, 1) << "no half node";
    EXPECT_TRUE(std::filesystem::is_empty(state_ / "nodes")) << "nothing left in nodes/";
    free_space();
    bv_ok({"node", "create", "dummy/sleeper/1.0.0", "--name", "tight"});

    // Start: fails naming the disk, nothing left running; then starts.
    fill_leaving(0);
    const auto start = host_.bv({"node", "start", "tight"});
    EXPECT_EQ(start.exit_code, 1);
    EXPECT_NE(start.err.find("No space left on device"), std::string::npos) << start.err;
    free_space();
    EXPECT_TRUE(leftovers(state_).empty()) << leftovers(state_).front();
    bv_ok({"node", "start", "tight"});
    EXPECT_EQ(bv_ok({"node", "run", "tight", "echo", "--param", "TEXT=room again"}), "room again");

    // A full disk does not stop a running node from answering, nor bvd from reporting it.
    fill_leaving(0);
    EXPECT_EQ(bv_ok({"node", "run", "tight", "echo", "--param", "TEXT=disk full"}), "disk full");
    EXPECT_TRUE(bv_ok({"node", "status", "tight"}).starts_with("running"));

    // A stop whose state cannot be saved says so; the node is still known and can be stopped later.
    const auto stop = host_.bv({"node", "stop", "tight"});
    free_space();
    if (stop.exit_code != 0) EXPECT_NE(stop.err.find("No space left on device"), std::string::npos) << stop.err;
    bv_ok({"node", "stop", "tight"});
    EXPECT_TRUE(bv_ok({"node", "status", "tight"}).starts_with("stopped"));
    bv_ok({"node", "delete", "tight"});
    EXPECT_EQ(bv_ok({"status"}).substr(0, 15), "bvd is running:") << "bvd kept going through it all";
}

}  // namespace
}  // namespace bv::test
