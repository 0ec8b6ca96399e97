#include <gtest/gtest.h>

#include "common/files.hpp"
#include "install/layout.hpp"
#include "install/version.hpp"
#include "support/process.hpp"

namespace bv::install {
namespace {

namespace fs = std::filesystem;

TEST(VersionTest, ParsesReleasesAndPreReleases) {
    EXPECT_EQ(Version::parse("1.2.3")->to_string(), "1.2.3");
    EXPECT_EQ(Version::parse("0.10.0-rc.1")->to_string(), "0.10.0-rc.1");
    for (const auto* bad : {"", "1", "1.2", "1.2.3.4", "01.2.3", "1.2.x", "1.2.3-", "1.2.3-rc..1",
                            "1.2.3-a/b", "../1.2.3", "1.2.3-01", " 1.2.3", "1.2.3\n"}) {
        EXPECT_FALSE(Version::parse(bad)) << bad;
    }
    EXPECT_THROW(Version::parse_or_throw("latest"), std::invalid_argument);
}

TEST(VersionTest, OrdersAsSemanticVersions) {
    const std::vector<std::string> ascending{
        "0.9.9",         "0.10.0-alpha",   "0.10.0-alpha.1", "0.10.0-alpha.beta",
        "0.10.0-beta.2", "0.10.0-beta.11", "0.10.0-rc.1",    "0.10.0",
        "0.10.1",        "1.0.0"};
    for (std::size_t i = 0; i + 1 < ascending.size(); ++i) {
        EXPECT_LT(*Version::parse(ascending[i]), *Version::parse(ascending[i + 1])) << ascending[i];
        EXPECT_GT(*Version::parse(ascending[i + 1]), *Version::parse(ascending[i])) << ascending[i];
    }
    EXPECT_EQ(*Version::parse("1.2.3"), *Version::parse("1.2.3"));
}

TEST(LayoutTest, BlacklistIsReadAddedOnceAndAbsentMeansEmpty) {
    const test::TempDir root;
    const auto paths = host_paths(root.path());
    EXPECT_TRUE(read_blacklist(paths).empty());
    add_to_blacklist(paths, "1.2.3");
    add_to_blacklist(paths, "1.2.3");
    add_to_blacklist(paths, "1.3.0");
    EXPECT_EQ(read_blacklist(paths), (std::set<std::string>{"1.2.3", "1.3.0"}));
    EXPECT_EQ(read_file(InstallLayout(paths).blacklist), "1.2.3\n1.3.0\n");
    write_file_atomically(InstallLayout(paths).blacklist, "  2.0.0 \r\n\n1.0.0");
    EXPECT_EQ(read_blacklist(paths), (std::set<std::string>{"1.0.0", "2.0.0"}));
}

TEST(LayoutTest, LinksPointAtVersionsAndSwitchByRename) {
    const test::TempDir root;
    const InstallLayout layout(host_paths(root.path()));
    fs::create_directories(layout.version_dir("1.0.0"));
    fs::create_directories(layout.version_dir("1.1.0"));
    EXPECT_EQ(linked_version(layout.current), std::nullopt);
    point_link_at(layout.current, "1.0.0");
    EXPECT_EQ(linked_version(layout.current), "1.0.0");
    point_link_at(layout.current, "1.1.0");
    EXPECT_EQ(linked_version(layout.current), "1.1.0");
    EXPECT_EQ(fs::read_symlink(layout.current), "1.1.0");  // relative: the root can move
    EXPECT_TRUE(fs::is_directory(layout.current));
    remove_link(layout.current);
    remove_link(layout.current);
    EXPECT_EQ(linked_version(layout.current), std::nullopt);
}

}  // namespace
}  // namespace bv::install
