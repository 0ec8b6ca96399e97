#include "install/bundle.hpp"

#include <gtest/gtest.h>

#include "common/files.hpp"
#include "support/process.hpp"
#include "support/test_archives.hpp"
#include "support/test_release_key.hpp"

namespace bv::install {
namespace {

namespace fs = std::filesystem;
using test::ArchiveEntrySpec;
using test::file_entry;

const std::map<std::string, std::string> kFiles{
    {"bin/blockvisor", "#!/bin/sh\necho blockvisor\n"},
    {"bin/bv-node", "node binary"},
    {"blockvisor.service", "[Unit]\n"},
};

class BundleTest : public ::testing::Test {
  protected:
    // Unpacks an archive of `entries`; the refusal, or "" when accepted.
    std::string unpack(const std::vector<ArchiveEntrySpec>& entries,
                       std::vector<std::string> keys = {}) {
        if (keys.empty()) keys = {key_.public_key_base64()};
        test::write_test_archive(archive_, entries);
        try {
            manifest_ = unpack_bundle(archive_, destination_, keys);
        } catch (const std::runtime_error& error) {
            EXPECT_FALSE(fs::exists(destination_)) << "left behind after: " << error.what();
            EXPECT_EQ(std::distance(fs::directory_iterator(dir_.path() / "opt"),
                                    fs::directory_iterator()),
                      0)
                << "a staging directory left behind";
            return error.what();
        }
        return "";
    }

    std::vector<ArchiveEntrySpec> good_entries() const {
        return test::signed_bundle_entries("1.2.3", kFiles, key_);
    }

    static ArchiveEntrySpec& entry_named(std::vector<ArchiveEntrySpec>& entries,
                                         const std::string& path) {
        for (auto& entry : entries) {
            if (entry.path == path) return entry;
        }
        throw std::runtime_error("no entry " + path);
    }

    test::TempDir dir_;
    test::TestReleaseKey key_;
    fs::path archive_ = dir_.path() / "blockvisor-1.2.3.tar.gz";
    fs::path destination_ = dir_.path() / "opt" / "1.2.3";
    Manifest manifest_;
};

TEST_F(BundleTest, SignedBundleUnpacksWithItsManifest) {
    ASSERT_EQ(unpack(good_entries()), "");
    EXPECT_EQ(manifest_.version, "1.2.3");
    EXPECT_EQ(manifest_.sha256_of.size(), 3u);
    EXPECT_EQ(read_file(destination_ / "bin/blockvisor"), kFiles.at("bin/blockvisor"));
    EXPECT_TRUE((fs::status(destination_ / "bin/blockvisor").permissions() &
                 fs::perms::owner_exec) != fs::perms::none);
    EXPECT_EQ(verify_unpacked_bundle(destination_, {key_.public_key_base64()}).version, "1.2.3");
}

TEST_F(BundleTest, PemKeyIsTrustedToo) {
    EXPECT_EQ(unpack(good_entries(), {key_.public_key_pem()}), "");
}

TEST_F(BundleTest, SignatureByAnotherKeyIsRefused) {
    const test::TestReleaseKey stranger;
    const auto refusal = unpack(good_entries(), {stranger.public_key_base64()});
    EXPECT_NE(refusal.find("not a signature of manifest.json by a trusted release key"),
              std::string::npos)
        << refusal;
}

TEST_F(BundleTest, AnyOfSeveralTrustedKeysWill) {
    const test::TestReleaseKey other;
    EXPECT_EQ(unpack(good_entries(), {other.public_key_base64(), key_.public_key_base64()}), "");
}

TEST_F(BundleTest, TamperedManifestIsRefused) {
    auto entries = good_entries();
    auto& manifest = entry_named(entries, "manifest.json");
    manifest.content.replace(manifest.content.find("1.2.3"), 5, "9.9.9");
    EXPECT_NE(unpack(entries).find("not a signature"), std::string::npos);
}

TEST_F(BundleTest, UnsignedBundleIsRefused) {
    auto entries = good_entries();
    std::erase_if(entries, [](const auto& entry) { return entry.path == "manifest.sig"; });
    const auto refusal = unpack(entries);
    EXPECT_NE(refusal.find("unsigned bundle: it has no manifest.sig"), std::string::npos)
        << refusal;
}

TEST_F(BundleTest, BundleWithoutManifestIsRefused) {
    auto entries = good_entries();
    std::erase_if(entries, [](const auto& entry) { return entry.path == "manifest.json"; });
    EXPECT_NE(unpack(entries).find("no manifest.json"), std::string::npos);
}

TEST_F(BundleTest, WrongChecksumIsRefused) {
    auto entries = good_entries();
    entry_named(entries, "bin/blockvisor").content = "#!/bin/sh\necho evil\n";
    const auto refusal = unpack(entries);
    EXPECT_NE(refusal.find("'bin/blockvisor' has the checksum"), std::string::npos) << refusal;
}

TEST_F(BundleTest, FileMissingFromTheBundleIsRefused) {
    auto entries = good_entries();
    std::erase_if(entries, [](const auto& entry) { return entry.path == "bin/bv-node"; });
    const auto refusal = unpack(entries);
    EXPECT_NE(refusal.find("'bin/bv-node' is in manifest.json but not in the bundle"),
              std::string::npos)
        << refusal;
}

TEST_F(BundleTest, FileMissingFromTheManifestIsRefused) {
    auto entries = good_entries();
    entries.push_back(file_entry("bin/extra", "smuggled"));
    const auto refusal = unpack(entries);
    EXPECT_NE(refusal.find("'bin/extra' is in the bundle but not in manifest.json"),
              std::string::npos)
        << refusal;
}

TEST_F(BundleTest, NoTrustedKeyRefusesEveryBundle) {
    test::write_test_archive(archive_, good_entries());
    try {
        unpack_bundle(archive_, destination_, {});
        FAIL() << "accepted without a trusted key";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("set release_public_keys"), std::string::npos)
            << error.what();
    }
    EXPECT_FALSE(fs::exists(destination_));
}

TEST_F(BundleTest, UnreadableTrustedKeyIsAConfigError) {
    const auto refusal = unpack(good_entries(), {"not a key"});
    EXPECT_NE(refusal.find("neither a PEM public key nor base64"), std::string::npos) << refusal;
}

TEST_F(BundleTest, HostileArchivesAreRefused) {
    const std::vector<std::pair<ArchiveEntrySpec, std::string>> hostile{
        {file_entry("../escape", "x"), "a '..' component"},
        {file_entry("/etc/passwd", "x"), "an absolute path"},
        {test::symlink_entry("bin/link", "/etc"), "a symbolic link (a bundle holds none)"},
        {test::hardlink_entry("bin/hard", "bin/blockvisor"), "a hard link (a bundle holds none)"},
        {ArchiveEntrySpec{"bin/device", ArchiveEntrySpec::Type::character_device, 0644, {}, {}},
         "a character device (a bundle holds plain files only)"},
    };
    for (const auto& [entry, reason] : hostile) {
        auto entries = good_entries();
        entries.insert(entries.begin(), entry);
        const auto refusal = unpack(entries);
        EXPECT_NE(refusal.find(reason), std::string::npos) << entry.path << ": " << refusal;
    }
}

TEST_F(BundleTest, ExistingDestinationIsNotTouched) {
    fs::create_directories(destination_);
    write_file_atomically(destination_ / "keep", "mine");
    test::write_test_archive(archive_, good_entries());
    EXPECT_THROW(unpack_bundle(archive_, destination_, {key_.public_key_base64()}),
                 std::runtime_error);
    EXPECT_EQ(read_file(destination_ / "keep"), "mine");
}

TEST(ManifestTest, BadManifestsAreRefusedWithTheReason) {
    const std::string sha(64, 'a');
    const std::vector<std::pair<std::string, std::string>> cases{
        {"not json", "not JSON"},
        {R"({"files": {}})", "no \"version\""},
        {R"({"version": "1.2.3"})", "no \"files\""},
        {R"({"version": "1.2", "files": {}})", "not MAJOR.MINOR.PATCH"},
        {R"({"version": "1.2.3", "files": {}})", "does not list bin/blockvisor"},
        {R"({"version": "1.2.3", "files": {"bin/blockvisor": "xyz"}})", "not 64 lower-case hex"},
        {R"({"version": "1.2.3", "files": {"../x": ")" + sha + R"("}})", "'..'"},
        {R"({"version": "1.2.3", "files": {"./bin//x": ")" + sha + R"("}})", "not a plain path"},
        {R"({"version": "1.2.3", "files": {"manifest.sig": ")" + sha + R"("}})",
         "not a plain path"},
    };
    for (const auto& [json, reason] : cases) {
        try {
            parse_manifest(json);
            ADD_FAILURE() << "accepted: " << json;
        } catch (const std::runtime_error& error) {
            EXPECT_NE(std::string(error.what()).find(reason), std::string::npos)
                << json << ": " << error.what();
        }
    }
}

TEST(ManifestTest, ManifestJsonRoundTrips) {
    const Manifest manifest{"2.0.0-rc.1", {{"bin/blockvisor", std::string(64, 'b')}}};
    const auto parsed = parse_manifest(manifest_json(manifest));
    EXPECT_EQ(parsed.version, manifest.version);
    EXPECT_EQ(parsed.sha256_of, manifest.sha256_of);
}

}  // namespace
}  // namespace bv::install

namespace bv::install {
namespace {

TEST(LocalBackupTest, CopiedFilesVerifyByTheirChecksumsAndAChangeIsFound) {
    const test::TempDir dir;
    write_file_atomically(dir.path() / "blockvisor", "binary");
    write_file_atomically(dir.path() / "bv-node", "node");
    const auto version_dir = dir.path() / "opt/1.0.0";
    std::filesystem::create_directories(version_dir.parent_path());
    const auto manifest = write_local_backup(
        version_dir, "1.0.0",
        {{"bin/blockvisor", dir.path() / "blockvisor"}, {"bin/bv-node", dir.path() / "bv-node"}});
    EXPECT_EQ(manifest.sha256_of.size(), 2u);
    // No release key needed: they were this host's files already.
    EXPECT_EQ(verify_installed_version(version_dir, {}).version, "1.0.0");
    // A real bundle still needs its signature.
    EXPECT_THROW(verify_unpacked_bundle(version_dir, {}), std::runtime_error);
    write_file_atomically(version_dir / "bin/bv-node", "changed");
    EXPECT_THROW(verify_installed_version(version_dir, {}), std::runtime_error);
}

TEST(LocalBackupTest, FailedCopyLeavesNothing) {
    const test::TempDir dir;
    const auto version_dir = dir.path() / "1.0.0";
    EXPECT_THROW(
        write_local_backup(version_dir, "1.0.0", {{"bin/blockvisor", dir.path() / "missing"}}),
        std::runtime_error);
    EXPECT_FALSE(std::filesystem::exists(version_dir));
    EXPECT_FALSE(std::filesystem::exists(dir.path() / ".1.0.0.backup"));
}

}  // namespace
}  // namespace bv::install
