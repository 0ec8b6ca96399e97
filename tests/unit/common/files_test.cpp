#include "common/files.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/host_config.hpp"
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
