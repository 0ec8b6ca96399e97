#include "host/image_archive.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "support/process.hpp"
#include "support/test_archives.hpp"

namespace bv::host {
namespace {

namespace fs = std::filesystem;
using test::ArchiveEntrySpec;
using test::directory_entry;
using test::file_entry;
using test::hardlink_entry;
using test::minimal_image_entries;
using test::symlink_entry;
using test::TempDir;

void write(const fs::path& file, const std::string& content, unsigned mode = 0644) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << content;
    fs::permissions(file, fs::perms(mode));
}

std::string read(const fs::path& file) {
    std::ifstream input(file);
    return std::string(std::istreambuf_iterator<char>(input), {});
}

struct stat status_of(const fs::path& path) {
    struct stat status {};
    EXPECT_EQ(::lstat(path.c_str(), &status), 0) << path;
    return status;
}

class ImageArchiveTest : public ::testing::Test {
protected:
    // Unpacks an archive of `entries` and returns the refusal ("" when it was accepted).
    std::string unpack_entries(const std::vector<ArchiveEntrySpec>& entries,
                               const UnpackLimits& limits = {}) {
        test::write_test_archive(archive_, entries);
        try {
            unpack_image_archive(archive_, destination_, limits);
        } catch (const ArchiveError& error) {
            return error.what();
        }
        return "";
    }

    // The smallest image plus `extra`: refused with a message naming `entry`, and nothing left.
    void expect_refused(std::vector<ArchiveEntrySpec> extra, const std::string& entry,
                        const std::string& reason, const UnpackLimits& limits = {}) {
        auto entries = minimal_image_entries();
        entries.insert(entries.end(), extra.begin(), extra.end());
        const auto refused = unpack_entries(entries, limits);
        EXPECT_NE(refused.find("'" + entry + "'"), std::string::npos) << refused;
        EXPECT_NE(refused.find(reason), std::string::npos) << refused;
        EXPECT_FALSE(fs::exists(destination_)) << "a refused archive left " << destination_;
    }

    TempDir dir_{"bv-archive"};
    fs::path archive_ = dir_.path() / "image.tar.gz";
    fs::path destination_ = dir_.path() / "unpacked";
};

TEST_F(ImageArchiveTest, RoundTripKeepsModesOwnersLinksAndTimes) {
    const auto image = dir_.path() / "image";
    write(image / "babel.toml", "[config]\n");
    write(image / "rootfs/bin/busybox", "#!busybox", 0755);
    fs::create_symlink("busybox", image / "rootfs/bin/sh");
    fs::create_directories(image / "rootfs/tmp");
    fs::permissions(image / "rootfs/tmp", fs::perms(01777));
    fs::create_directories(image / "rootfs/root");
    fs::permissions(image / "rootfs/root", fs::perms(0700));
    write(image / "rootfs/etc/secret", "s", 0600);
    fs::create_hard_link(image / "rootfs/etc/secret", image / "rootfs/etc/secret-too");
    fs::create_directories(image / "rootfs/lib");
    write(image / "rootfs/lib/ld.so", "ld", 0755);
    fs::create_directories(image / "rootfs/lib64");
    fs::create_symlink("/lib/ld.so", image / "rootfs/lib64/ld.so");
    fs::create_directories(image / "rootfs/empty");
    write(image / "rootfs/home/user/file", "mine");
    ASSERT_EQ(::chown((image / "rootfs/home/user/file").c_str(), 1234, 5678), 0);
    const struct timespec times[2] = {{1'600'000'000, 0}, {1'600'000'000, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, (image / "rootfs/bin/busybox").c_str(), times, 0), 0);

    const auto packed = pack_image_archive(image, archive_);
    EXPECT_EQ(packed.size, fs::file_size(archive_));
    EXPECT_EQ(packed.sha256.size(), 64u);
    const auto unpacked = unpack_image_archive(archive_, destination_);
    EXPECT_EQ(unpacked.setid_cleared, 0u);

    const auto& out = destination_;
    EXPECT_EQ(read(out / "babel.toml"), "[config]\n");
    EXPECT_EQ(read(out / "rootfs/bin/busybox"), "#!busybox");
    EXPECT_EQ(status_of(out / "rootfs/bin/busybox").st_mode & 07777, 0755u);
    EXPECT_EQ(fs::read_symlink(out / "rootfs/bin/sh"), "busybox");
    EXPECT_EQ(status_of(out / "rootfs/tmp").st_mode & 07777, 01777u);
    EXPECT_EQ(status_of(out / "rootfs/root").st_mode & 07777, 0700u);
    EXPECT_EQ(status_of(out / "rootfs/etc/secret").st_mode & 07777, 0600u);
    EXPECT_EQ(status_of(out / "rootfs/etc/secret").st_ino,
              status_of(out / "rootfs/etc/secret-too").st_ino);
    EXPECT_EQ(status_of(out / "rootfs/etc/secret").st_nlink, 2u);
    // An absolute target means the node's root: packed relative, the same inside the node.
    EXPECT_EQ(fs::read_symlink(out / "rootfs/lib64/ld.so"), "../lib/ld.so");
    EXPECT_EQ(read(out / "rootfs/lib64/ld.so"), "ld");
    EXPECT_TRUE(fs::is_directory(out / "rootfs/empty"));
    EXPECT_EQ(status_of(out / "rootfs/bin/busybox").st_mtime, 1'600'000'000);
    if (::geteuid() == 0) {
        EXPECT_EQ(status_of(out / "rootfs/home/user/file").st_uid, 1234u);
        EXPECT_EQ(status_of(out / "rootfs/home/user/file").st_gid, 5678u);
    }
}

TEST_F(ImageArchiveTest, SameTreeGivesTheSameBytesAndZstdUnpacksToo) {
    const auto image = dir_.path() / "image";
    write(image / "babel.toml", "[config]\n");
    for (const auto* name : {"b", "a", "c/d", "c/a"}) write(image / "rootfs" / name, name);
    const auto first = pack_image_archive(image, dir_.path() / "1.tar.gz");
    const auto second = pack_image_archive(image, dir_.path() / "2.tar.gz");
    EXPECT_EQ(first.sha256, second.sha256);
    const auto zstd =
        pack_image_archive(image, dir_.path() / "image.tar.zst", ArchiveCompression::zstd);
    EXPECT_NE(zstd.sha256, first.sha256);
    unpack_image_archive(dir_.path() / "image.tar.zst", destination_);
    EXPECT_EQ(read(destination_ / "rootfs/c/d"), "c/d");
}

TEST_F(ImageArchiveTest, PackRefusesDevicesAndLinksOutOfRootfsAndLeavesNoArchive) {
    const auto image = dir_.path() / "image";
    write(image / "babel.toml", "[config]\n");
    fs::create_directories(image / "rootfs/bin");
    fs::create_symlink("../../../etc", image / "rootfs/bin/etc");
    EXPECT_THROW(pack_image_archive(image, archive_), ArchiveError);
    EXPECT_FALSE(fs::exists(archive_));
    fs::remove(image / "rootfs/bin/etc");
    ASSERT_EQ(::mkfifo((image / "rootfs/fifo").c_str(), 0644), 0);
    EXPECT_THROW(pack_image_archive(image, archive_), ArchiveError);
    EXPECT_FALSE(fs::exists(archive_));
    EXPECT_FALSE(fs::exists(archive_.string() + ".partial"));
}

TEST_F(ImageArchiveTest, AcceptsWhatTarMakesOfAnImageDirectory) {
    const auto image = dir_.path() / "image";
    write(image / "babel.toml", "[config]\n");
    write(image / "rootfs/bin/busybox", "x", 0755);
    fs::create_symlink("busybox", image / "rootfs/bin/sh");
    const auto made = test::run({"tar", "-czf", archive_.string(), "-C", image.string(), "."});
    ASSERT_EQ(made.exit_code, 0) << made.err;
    unpack_image_archive(archive_, destination_);
    EXPECT_EQ(fs::read_symlink(destination_ / "rootfs/bin/sh"), "busybox");
}

TEST_F(ImageArchiveTest, RefusesAbsolutePaths) {
    const auto outside = dir_.path() / "outside-absolute";
    expect_refused({file_entry(outside.string(), "evil")}, outside.string(), "absolute path");
    EXPECT_FALSE(fs::exists(outside));
}

TEST_F(ImageArchiveTest, RefusesDotDot) {
    expect_refused({file_entry("rootfs/../../outside-dotdot", "evil")},
                   "rootfs/../../outside-dotdot", "'..'");
    EXPECT_FALSE(fs::exists(dir_.path() / "outside-dotdot"));
}

TEST_F(ImageArchiveTest, RefusesDevicesAndFifos) {
    using Type = ArchiveEntrySpec::Type;
    expect_refused({{"rootfs/null", Type::character_device, 0666, {}, {}}}, "rootfs/null",
                   "character device");
    expect_refused({{"rootfs/sda", Type::block_device, 0660, {}, {}}}, "rootfs/sda",
                   "block device");
    expect_refused({{"rootfs/pipe", Type::fifo, 0644, {}, {}}}, "rootfs/pipe", "FIFO");
}

TEST_F(ImageArchiveTest, RefusesSymlinksOut) {
    expect_refused({symlink_entry("rootfs/escape", "../../..")}, "rootfs/escape", "out of rootfs/");
    expect_refused({symlink_entry("rootfs/passwd", "/etc/passwd")}, "rootfs/passwd",
                   "absolute target");
}

TEST_F(ImageArchiveTest, RefusesEntriesThroughASymlink) {
    // The link itself stays inside; what is written below it would land wherever it points.
    expect_refused({directory_entry("rootfs/real"), symlink_entry("rootfs/link", "real"),
                    file_entry("rootfs/link/file", "x")},
                   "rootfs/link/file", "below the symbolic link");
}

TEST_F(ImageArchiveTest, RefusesHardLinksOut) {
    expect_refused({hardlink_entry("rootfs/shadow", "/etc/shadow")}, "/etc/shadow",
                   "absolute path");
    expect_refused({hardlink_entry("rootfs/shadow", "rootfs/../../etc/shadow")},
                   "rootfs/../../etc/shadow", "'..'");
    expect_refused({hardlink_entry("rootfs/config", "babel.toml")}, "rootfs/config",
                   "not an earlier file of rootfs/");
    expect_refused({hardlink_entry("rootfs/later", "rootfs/not-yet")}, "rootfs/later",
                   "not an earlier file of rootfs/");
}

TEST_F(ImageArchiveTest, ClearsSetuidAndSetgidBits) {
    auto entries = minimal_image_entries();
    entries.push_back(file_entry("rootfs/su", "x", 04755));
    entries.push_back(file_entry("rootfs/wall", "x", 02755));
    entries.push_back(directory_entry("rootfs/tmp", 01777));
    test::write_test_archive(archive_, entries);
    const auto unpacked = unpack_image_archive(archive_, destination_);
    EXPECT_EQ(unpacked.setid_cleared, 2u);
    EXPECT_EQ(status_of(destination_ / "rootfs/su").st_mode & 07777, 0755u);
    EXPECT_EQ(status_of(destination_ / "rootfs/wall").st_mode & 07777, 0755u);
    EXPECT_EQ(status_of(destination_ / "rootfs/tmp").st_mode & 07777, 01777u);
}

TEST_F(ImageArchiveTest, RefusesAFileOverTheSizeBound) {
    UnpackLimits limits;
    limits.max_entry_bytes = 10;
    expect_refused({file_entry("rootfs/big", std::string(11, 'x'))}, "rootfs/big", "over the limit",
                   limits);
}

TEST_F(ImageArchiveTest, RefusesAnImageOverTheTotalBound) {
    UnpackLimits limits;
    limits.max_total_bytes = 25;  // babel.toml is 9 bytes
    expect_refused({file_entry("rootfs/a", std::string(10, 'x')),
                    file_entry("rootfs/b", std::string(10, 'x'))},
                   "rootfs/b", "more than 25 bytes", limits);
}

TEST_F(ImageArchiveTest, RefusesTooManyEntries) {
    UnpackLimits limits;
    limits.max_entries = 3;
    auto entries = minimal_image_entries();
    for (const auto* name : {"rootfs/a", "rootfs/b"}) entries.push_back(file_entry(name, ""));
    EXPECT_NE(unpack_entries(entries, limits).find("more than 3 entries"), std::string::npos);
    EXPECT_FALSE(fs::exists(destination_));
}

TEST_F(ImageArchiveTest, RefusesDuplicates) {
    expect_refused({file_entry("rootfs/a", "1"), symlink_entry("rootfs/a", "b")}, "rootfs/a",
                   "appears twice");
}

TEST_F(ImageArchiveTest, RefusesWhatIsNotAnImage) {
    EXPECT_NE(unpack_entries({directory_entry("rootfs")}).find("no babel.toml"), std::string::npos);
    EXPECT_NE(unpack_entries({file_entry("babel.toml", "")}).find("no rootfs/"), std::string::npos);
    EXPECT_NE(unpack_entries({symlink_entry("babel.toml", "rootfs/x"), directory_entry("rootfs")})
                  .find("must be a file"),
              std::string::npos);
    EXPECT_NE(unpack_entries({file_entry("babel.toml", ""), file_entry("rootfs", "")})
                  .find("must be a directory"),
              std::string::npos);
    expect_refused({file_entry("README", "hi")}, "README", "not part of an image");
    expect_refused({file_entry("image/babel.toml", "")}, "image/babel.toml",
                   "not part of an image");
    EXPECT_FALSE(fs::exists(destination_));
    write(archive_, "not an archive at all");
    EXPECT_THROW(unpack_image_archive(archive_, destination_), ArchiveError);
    EXPECT_FALSE(fs::exists(destination_));
}

TEST_F(ImageArchiveTest, RefusesADestinationThatExists) {
    test::write_test_archive(archive_, minimal_image_entries());
    fs::create_directories(destination_);
    write(destination_ / "keep", "mine");
    EXPECT_THROW(unpack_image_archive(archive_, destination_), ArchiveError);
    EXPECT_EQ(read(destination_ / "keep"), "mine");
}

}  // namespace
}  // namespace bv::host
