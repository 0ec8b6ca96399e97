#include "api/image_files.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/files.hpp"
#include "common/sha256.hpp"
#include "host/image_archive.hpp"
#include "rpc/error.hpp"
#include "support/process.hpp"

namespace bv::api {
namespace {

namespace fs = std::filesystem;

class ImageFiles : public ::testing::Test {
protected:
    ImageFiles() {
        const auto image = dir_.path() / "image";
        fs::create_directories(image / "rootfs/bin");
        fs::create_directories(image / "rootfs/var/lib/data");
        write_file_atomically(image / "babel.toml", toml());
        write_file_atomically(image / "rootfs/bin/busybox", "#!binary", 0755);
        fs::create_symlink("busybox", image / "rootfs/bin/sh");
        fs::create_hard_link(image / "rootfs/bin/busybox", image / "rootfs/bin/hard");
        write_file_atomically(image / "notes.txt", "not part of the image");
    }
    static std::string toml() {
        // The smallest babel.toml the loader takes (see docs/babel.md).
        return R"([config]
protocol = "dummy"
node_type = "sleeper"
node_version = "1.2.3"
babel_version = "0.1.0"
data_directory_mount_point = "/var/lib/data"

[requirements]
vcpu_count = 2
mem_size_mb = 128
disk_size_gb = 1

[supervisor]
[[supervisor.entry_point]]
command = "sleep"
args = ["1000"]
)";
    }
    fs::path image() const { return dir_.path() / "image"; }
    test::TempDir dir_{"bv-api-pack"};
};

// What pack_image_archive keeps and refuses is tested in tests/unit/host/image_archive_test.cpp;
// here, what bv-api records of an archive, and that bvd takes it.
TEST_F(ImageFiles, AnAbsoluteSymlinkIsPackedSoThatHostsAcceptIt) {
    fs::create_directories(image() / "rootfs/lib64");
    fs::create_symlink("/bin/busybox", image() / "rootfs/lib64/tool");
    const auto record = pack_image(image(), dir_.path() / "files", 1);
    const auto unpacked = dir_.path() / "unpacked";
    host::unpack_image_archive(dir_.path() / "files" / record.file(), unpacked);
    EXPECT_EQ(fs::read_symlink(unpacked / "rootfs/lib64/tool"), "../bin/busybox");
    EXPECT_FALSE(fs::exists(unpacked / "notes.txt"));
}

TEST_F(ImageFiles, RefusesDeviceFilesAndFifosNamingThem) {
    ASSERT_EQ(::mkfifo((image() / "rootfs/pipe").c_str(), 0600), 0);
    try {
        pack_image(image(), dir_.path() / "files", 1);
        FAIL() << "packed a FIFO";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("rootfs/pipe"), std::string::npos) << error.what();
    }
    EXPECT_EQ(std::distance(fs::directory_iterator(dir_.path() / "files/images"), fs::directory_iterator()), 0);
}

TEST_F(ImageFiles, PackImageRecordsNameSizeHashAndRequirementsUnderAFinalName) {
    const auto files = dir_.path() / "files";
    const auto record = pack_image(image(), files, 42);
    EXPECT_EQ(record.name(), "dummy/sleeper/1.2.3");
    EXPECT_EQ(record.file(), "images/dummy-sleeper-1.2.3-" + record.sha256().substr(0, 12) + ".tar.gz");
    EXPECT_EQ(record.size(), fs::file_size(files / record.file()));
    EXPECT_EQ(record.sha256(), sha256_file(files / record.file()));
    EXPECT_EQ(record.requirements().mem_size_mb(), 128u);
    EXPECT_EQ(record.added_at_ms(), 42);
    // Nothing but the archive: no temporary file left.
    EXPECT_EQ(std::distance(fs::directory_iterator(files / "images"), fs::directory_iterator()), 1);
}

TEST_F(ImageFiles, ADirectoryThatIsNoImageIsAnInvalidArgumentAndLeavesNothing) {
    const auto files = dir_.path() / "files";
    fs::remove_all(image() / "rootfs");
    EXPECT_THROW(pack_image(image(), files, 1), rpc::Error);
    EXPECT_TRUE(!fs::exists(files / "images") || fs::is_empty(files / "images"));
}

TEST_F(ImageFiles, UnrecordedArchivesAndPartialPacksAreRemoved) {
    const auto files = dir_.path() / "files";
    const auto kept = pack_image(image(), files, 1);
    write_file_atomically(files / "images/.packing-123", "half");
    write_file_atomically(files / "images/orphan.tar.gz", "packed, never recorded");
    EXPECT_EQ(remove_unrecorded_archives(files, {kept.file()}), 2);
    EXPECT_TRUE(fs::exists(files / kept.file()));
    EXPECT_EQ(std::distance(fs::directory_iterator(files / "images"), fs::directory_iterator()), 1);
}

}  // namespace
}  // namespace bv::api
