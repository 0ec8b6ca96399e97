#include "host/image_archive_rules.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace bv::host {
namespace {

std::string refusal(const std::function<void()>& check) {
    try {
        check();
    } catch (const ArchiveError& error) {
        return error.what();
    }
    return "";
}

TEST(ImageEntryPath, DropsDotsAndEmptyComponents) {
    EXPECT_EQ(image_entry_path("./rootfs//bin/"), "rootfs/bin");
    EXPECT_EQ(image_entry_path("./"), "");
    EXPECT_EQ(image_entry_path("."), "");
    EXPECT_EQ(image_entry_path("./babel.toml"), "babel.toml");
    EXPECT_EQ(image_entry_path("rootfs"), "rootfs");
}

TEST(ImageEntryPath, RefusesAbsolutePathsDotDotAndWhatIsNotPartOfAnImage) {
    EXPECT_NE(refusal([] { image_entry_path("/etc/passwd"); }).find("absolute"), std::string::npos);
    EXPECT_NE(refusal([] { image_entry_path("rootfs/../../etc"); }).find("'..'"),
              std::string::npos);
    EXPECT_NE(refusal([] { image_entry_path("../x"); }).find("'../x'"), std::string::npos);
    EXPECT_NE(refusal([] { image_entry_path("image/babel.toml"); }).find("not part of an image"),
              std::string::npos);
    EXPECT_NE(refusal([] { image_entry_path("babel.toml/x"); }), "");
    EXPECT_NE(refusal([] { image_entry_path("rootfsx/y"); }), "");
    EXPECT_NE(refusal([] { image_entry_path(""); }), "");
}

TEST(CheckSymlinkTarget, AcceptsTargetsInsideRootfs) {
    EXPECT_EQ(refusal([] { check_symlink_target("rootfs/bin/sh", "busybox"); }), "");
    EXPECT_EQ(refusal([] { check_symlink_target("rootfs/lib64/ld.so", "../lib/ld.so"); }), "");
    EXPECT_EQ(refusal([] { check_symlink_target("rootfs/usr/bin/x", "../../bin/./busybox"); }), "");
    EXPECT_EQ(refusal([] { check_symlink_target("rootfs/here", "."); }), "");
}

TEST(CheckSymlinkTarget, RefusesTargetsThatLeaveRootfs) {
    EXPECT_NE(
        refusal([] { check_symlink_target("rootfs/bin/x", "../../etc"); }).find("out of rootfs/"),
        std::string::npos);
    EXPECT_NE(refusal([] { check_symlink_target("rootfs/x", ".."); }).find("out of rootfs/"),
              std::string::npos);
    EXPECT_NE(refusal([] { check_symlink_target("rootfs/x", "/etc/passwd"); }).find("absolute"),
              std::string::npos);
    // "s" may point anywhere inside: ".." after it climbs from there, not from here.
    EXPECT_NE(refusal([] { check_symlink_target("rootfs/a/x", "s/../.."); }).find("after a name"),
              std::string::npos);
    EXPECT_NE(refusal([] { check_symlink_target("rootfs/x", ""); }).find("empty"),
              std::string::npos);
    EXPECT_NE(
        refusal([] { check_symlink_target("babel.toml", "rootfs/x"); }).find("outside rootfs/"),
        std::string::npos);
}

TEST(RelativeSymlinkTarget, RewritesAbsoluteTargetsAsTheNodeSeesThem) {
    EXPECT_EQ(relative_symlink_target("rootfs/lib64/ld.so", "/lib/x86_64-linux-gnu/ld.so"),
              "../lib/x86_64-linux-gnu/ld.so");
    EXPECT_EQ(relative_symlink_target("rootfs/etc/localtime", "/usr//share/zoneinfo/UTC"),
              "../usr/share/zoneinfo/UTC");
    EXPECT_EQ(relative_symlink_target("rootfs/root-link", "/"), ".");
    EXPECT_EQ(relative_symlink_target("rootfs/a/b/top", "/"), "../..");
    EXPECT_EQ(relative_symlink_target("rootfs/bin/sh", "busybox"), "busybox");
}

}  // namespace
}  // namespace bv::host
