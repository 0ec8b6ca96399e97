#include "common/files.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "host/host_config.hpp"
#include "common/lock_file.hpp"
#include "support/process.hpp"

namespace bv {
namespace {

using test::TempDir;

TEST(WriteFileAtomically, ReplacesContentAndModeAndLeavesNoTemporaryFile) {
    TempDir dir("bv-files");
    const auto file = dir.path() / "state.json";
    write_file_atomically(file, "old", 0644);
    write_file_atomically(file, "new", 0600);
    EXPECT_EQ(read_file(file), "new");
    struct stat status {};
    ASSERT_EQ(::stat(file.c_str(), &status), 0);
    EXPECT_EQ(status.st_mode & 0777, 0600);
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()), 1);
}

TEST(WriteFileAtomically, FailureNamesThePath) {
    TempDir dir("bv-files");
    const auto file = dir.path() / "missing-dir/state.json";
    try {
        write_file_atomically(file, "x");
        FAIL() << "wrote into a directory that does not exist";
    } catch (const std::system_error& error) {
        EXPECT_NE(std::string(error.what()).find("missing-dir"), std::string::npos) << error.what();
    }
}

TEST(CopyFileExactly, CopiesBytesAndModeAndRefusesAnExistingTarget) {
    TempDir dir("bv-files");
    const std::string content(300000, 'x');
    write_file_atomically(dir.path() / "from", content, 0750);
    copy_file_exactly(dir.path() / "from", dir.path() / "to");
    EXPECT_EQ(read_file(dir.path() / "to"), content);
    EXPECT_EQ(std::filesystem::status(dir.path() / "to").permissions(), static_cast<std::filesystem::perms>(0750));
    try {
        copy_file_exactly(dir.path() / "from", dir.path() / "to");
        ADD_FAILURE() << "an existing target was overwritten";
    } catch (const std::system_error& error) {
        EXPECT_NE(std::string(error.what()).find("cannot create " + (dir.path() / "to").string()), std::string::npos)
            << error.what();
    }
    EXPECT_THROW(copy_file_exactly(dir.path() / "missing", dir.path() / "other"), std::system_error);
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "other"));
}

TEST(CopyTreeExactly, CopiesFilesDirectoriesModesAndLinksAndRefusesOtherKinds) {
    TempDir dir("bv-files");
    const auto from = dir.path() / "from";
    std::filesystem::create_directories(from / "bin/empty");
    write_file_atomically(from / "bin/tool", "#!/bin/sh\n", 0755);
    std::filesystem::create_symlink("bin/tool", from / "tool");
    std::filesystem::create_symlink("/nowhere", from / "dangling");
    std::filesystem::permissions(from / "bin", static_cast<std::filesystem::perms>(0711));
    copy_tree_exactly(from, dir.path() / "to");
    EXPECT_EQ(read_file(dir.path() / "to/bin/tool"), "#!/bin/sh\n");
    EXPECT_EQ(std::filesystem::status(dir.path() / "to/bin/tool").permissions(), static_cast<std::filesystem::perms>(0755));
    EXPECT_EQ(std::filesystem::status(dir.path() / "to/bin").permissions(), static_cast<std::filesystem::perms>(0711));
    EXPECT_TRUE(std::filesystem::is_directory(dir.path() / "to/bin/empty"));
    EXPECT_EQ(std::filesystem::read_symlink(dir.path() / "to/tool"), "bin/tool");
    EXPECT_EQ(std::filesystem::read_symlink(dir.path() / "to/dangling"), "/nowhere") << "links are copied, not followed";
    EXPECT_THROW(copy_tree_exactly(from, dir.path() / "to"), std::system_error) << "an existing target";

    ASSERT_EQ(::mkfifo((from / "pipe").c_str(), 0600), 0);
    try {
        copy_tree_exactly(from, dir.path() / "again");
        ADD_FAILURE() << "a fifo was copied";
    } catch (const std::system_error& error) {
        EXPECT_EQ(error.code(), std::errc::not_supported);
        EXPECT_NE(std::string(error.what()).find((from / "pipe").string()), std::string::npos) << error.what();
    }
}

TEST(RotateLogIfLarger, ALogOverTheLimitBecomesDotOneAndASmallOneStays) {
    TempDir dir("bv-files");
    const auto log = dir.path() / "console.log";
    rotate_log_if_larger(log, 10);
    EXPECT_FALSE(std::filesystem::exists(log)) << "no log yet: nothing to do";
    write_file_atomically(log, "0123456789");
    rotate_log_if_larger(log, 10);
    EXPECT_EQ(read_file(log), "0123456789") << "at the limit it stays";
    write_file_atomically(log, "first run, long");
    rotate_log_if_larger(log, 10);
    EXPECT_FALSE(std::filesystem::exists(log));
    EXPECT_EQ(read_file(dir.path() / "console.log.1"), "first run, long");
    write_file_atomically(log, "second run, long");
    rotate_log_if_larger(log, 10);
    EXPECT_EQ(read_file(dir.path() / "console.log.1"), "second run, long") << "only one older log is kept";
}

TEST(ReadFile, MissingFileIsNulloptOrAnErrorNamingIt) {
    TempDir dir("bv-files");
    EXPECT_FALSE(read_file_if_exists(dir.path() / "nothing"));
    EXPECT_THROW(read_file(dir.path() / "nothing"), std::system_error);
}

TEST(HostConfig, MissingFileGivesDefaults) {
    TempDir dir("bv-config");
    const auto config = load_host_config(dir.path() / "config.json");
    EXPECT_EQ(config.backend(), "sandbox");
    EXPECT_EQ(config.bridge(), "bvbr0");
    EXPECT_EQ(config.log_level(), "info");
    EXPECT_EQ(config.host_id(), "");
}

TEST(HostConfig, SavedConfigLoadsBackPrivately) {
    TempDir dir("bv-config");
    const auto file = dir.path() / "etc/config.json";
    blockvisor::v1::HostConfig config;
    config.set_host_id("host-1");
    config.set_token("secret");
    save_host_config(file, config);
    EXPECT_EQ(load_host_config(file).token(), "secret");
    struct stat status {};
    ASSERT_EQ(::stat(file.c_str(), &status), 0);
    EXPECT_EQ(status.st_mode & 0777, 0600);
}

TEST(HostConfig, MalformedFileIsAnErrorNamingItAndUnknownFieldsAreIgnored) {
    TempDir dir("bv-config");
    const auto file = dir.path() / "config.json";
    write_file_atomically(file, R"({"backend": 5)");
    try {
        load_host_config(file);
        FAIL() << "loaded a malformed config";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find(file.string()), std::string::npos) << error.what();
    }
    write_file_atomically(file, R"({"backend": "sandbox", "fieldOfANewerVersion": 1})");
    EXPECT_EQ(load_host_config(file).backend(), "sandbox");
}

TEST(LockFile, SecondHolderIsRefusedUntilTheFirstLetsGo) {
    TempDir dir("bv-lock");
    const auto path = dir.path() / "bvd.lock";
    std::string holder;
    {
        auto first = LockFile::try_acquire(path);
        ASSERT_TRUE(first);
        // flock locks belong to open file descriptions: a second open in this process competes.
        EXPECT_FALSE(LockFile::try_acquire(path, &holder));
        EXPECT_EQ(holder, std::to_string(::getpid()));
    }
    EXPECT_TRUE(LockFile::try_acquire(path));
}

}  // namespace
}  // namespace bv
