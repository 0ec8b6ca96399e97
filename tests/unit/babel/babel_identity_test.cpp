#include "babel/babel_identity.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "common/files.hpp"
#include "support/process.hpp"

namespace bv::babel {
namespace {

using test::TempDir;

const BabelIdentity kIdentity{std::string(64, 'a'), "1.2.3"};

TEST(BabelIdentity, ARecordDescribesTheBinaryAsItWasRecorded) {
    TempDir dir("bv-identity");
    const auto binary = dir.path() / "babel";
    write_file_atomically(binary, "the binary", 0755);
    EXPECT_FALSE(recorded_identity(binary)) << "nothing recorded yet";
    record_identity(binary, kIdentity);
    const auto recorded = recorded_identity(binary);
    ASSERT_TRUE(recorded);
    EXPECT_EQ(recorded->sha256, kIdentity.sha256);
    EXPECT_EQ(recorded->version, "1.2.3");
}

TEST(BabelIdentity, ABinaryReplacedOrRewrittenSinceMakesTheRecordStale) {
    TempDir dir("bv-identity");
    const auto binary = dir.path() / "babel";
    write_file_atomically(binary, "the binary", 0755);
    record_identity(binary, kIdentity);
    // Replaced by rename, as every install does: a new inode, even with the same size.
    write_file_atomically(binary, "the binarY", 0755);
    EXPECT_FALSE(recorded_identity(binary));

    record_identity(binary, kIdentity);
    // Rewritten in place: the same inode, another modification time.
    const auto recorded_mtime = std::filesystem::last_write_time(binary);
    {
        std::ofstream rewrite(binary, std::ios::binary | std::ios::trunc);
        rewrite << "the other!";
    }
    std::filesystem::last_write_time(binary, recorded_mtime + std::chrono::seconds(1));
    EXPECT_FALSE(recorded_identity(binary));
}

TEST(BabelIdentity, ATornOrForeignRecordIsNoRecord) {
    TempDir dir("bv-identity");
    const auto binary = dir.path() / "babel";
    write_file_atomically(binary, "the binary", 0755);
    record_identity(binary, kIdentity);
    const auto record = dir.path() / "babel.identity";
    const auto whole = read_file(record);
    for (const auto& torn : {std::string(), whole.substr(0, whole.find('\n')), whole.substr(0, whole.size() - 3),
                             whole.substr(0, whole.size() - 1), std::string("garbage\n") + whole}) {
        write_file_atomically(record, torn);
        EXPECT_FALSE(recorded_identity(binary)) << "accepted: " << torn;
    }
}

TEST(BabelIdentity, RecordingForAMissingBinaryNamesIt) {
    TempDir dir("bv-identity");
    try {
        record_identity(dir.path() / "missing", kIdentity);
        FAIL() << "no error";
    } catch (const std::system_error& error) {
        EXPECT_NE(std::string(error.what()).find("missing"), std::string::npos) << error.what();
    }
}

}  // namespace
}  // namespace bv::babel
