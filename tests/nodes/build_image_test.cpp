// scripts/build-image for a chain the project does not know: an operator's directory with a
// babel.toml and `contents`, built into an image that runs as a node.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/files.hpp"
#include "support/host_under_test.hpp"
#include "support/process.hpp"

namespace bv::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// A "chain" whose entry point greets with GNU hello and whose methods call hello and curl.
constexpr const char* greeter_toml = R"([config]
protocol = "greeter"
node_type = "test"
node_version = "@VERSION@"
babel_version = "0.1.0"
data_directory_mount_point = "/var/lib/greeter"

[requirements]
vcpu_count = 0
mem_size_mb = 16
disk_size_gb = 1

[supervisor]
backoff_base_ms = 100
backoff_timeout_ms = 60000
log_buffer_capacity_ln = 100
stop_timeout_ms = 2000

[[supervisor.entry_point]]
command = "/bin/sh"
args = ["-c", "hello; while true; do sleep 86400; done"]

[[methods]]
name = "height"
transport = "sh"
body = "hello -g 42"
    [methods.response]
    format = "raw"

[[methods]]
name = "curl_version"
transport = "sh"
body = "curl --version"
    [methods.response]
    format = "raw"
)";

// Every symbolic link is relative and resolves inside the rootfs (this host's own links, such
// as /lib -> usr/lib, are not the image's).
void expect_links_stay_inside(const fs::path& rootfs) {
    for (const auto& entry : fs::recursive_directory_iterator(rootfs)) {
        if (!entry.is_symlink()) continue;
        EXPECT_NE(fs::read_symlink(entry.path()).string().front(), '/') << entry.path();
        EXPECT_TRUE(fs::exists(entry.path())) << entry.path() << " -> " << fs::read_symlink(entry.path()) << " resolves to nothing";
    }
}

ProcessResult build_image(const std::vector<std::string>& args) {
    std::vector<std::string> argv{std::string(BV_SOURCE_DIR) + "/scripts/build-image"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, 5min, {{"BV_NODE", node_binary()}});
}

class BuildImage : public ::testing::Test {
protected:
    BuildImage() {
        fs::create_directories(source());
        write_file_atomically(source() / "babel.toml", greeter_toml);
    }
    fs::path source() const { return dir_.path() / "greeter"; }
    fs::path output() const { return dir_.path() / "image"; }
    void contents(const std::string& text) const { write_file_atomically(source() / "contents", text); }

    // The build failed with `error` on stderr and left neither an image nor a staging directory.
    void expect_refused(const std::vector<std::string>& args, const std::string& error) const {
        const auto built = build_image(args);
        EXPECT_EQ(built.exit_code, 1) << built.err;
        EXPECT_NE(built.err.find(error), std::string::npos) << built.err;
        for (const auto& entry : fs::directory_iterator(dir_.path())) {
            EXPECT_EQ(entry.path().filename().string().find(".build."), std::string::npos) << entry.path();
        }
    }

    TempDir dir_;
};

// `package hello` is not installed on this host: it is fetched with apt-get download. curl is a
// program of this host with ~30 libraries.
TEST_F(BuildImage, AnOperatorsChainFromADebianPackageAndAProgramRunsAsANode) {
    contents("# what the greeter needs\nversion 0.1.0\npackage hello\nprogram /usr/bin/curl  # with its libraries\n");
    const auto built = build_image({source().string(), output().string()});
    ASSERT_EQ(built.exit_code, 0) << built.err;
    EXPECT_NE(built.out.find("built greeter/test/0.1.0"), std::string::npos) << built.out;
    const auto rootfs = output() / "rootfs";
    EXPECT_TRUE(fs::is_regular_file(rootfs / "usr/bin/hello"));
    EXPECT_FALSE(fs::exists(rootfs / "usr/share/doc/hello")) << "docs are left out";
    EXPECT_TRUE(fs::is_regular_file(rootfs / "usr/bin/curl"));
    EXPECT_TRUE(fs::is_regular_file(rootfs / "lib/x86_64-linux-gnu/libcurl.so.4"));
    EXPECT_TRUE(fs::is_regular_file(rootfs / "lib64/ld-linux-x86-64.so.2"));
    expect_links_stay_inside(rootfs);

    HostUnderTest host;
    host.bv_ok({"image", "import", output().string()});
    host.bv_ok({"node", "create", "greeter/test/0.1.0", "--name", "greeter"});
    host.bv_ok({"node", "start", "greeter"});
    EXPECT_EQ(host.bv_ok({"node", "run", "greeter", "height"}), "42");
    EXPECT_NE(host.bv_ok({"node", "run", "greeter", "curl_version"}).find("libcurl/"), std::string::npos);
    EXPECT_TRUE(eventually([&] { return host.bv_ok({"node", "logs", "greeter"}).find("Hello, world!") != std::string::npos; }, 10s));
}

TEST_F(BuildImage, TakesWhatTheCommandLineAddsAndAVersionForThePlaceholder) {
    const auto built = build_image({"--program", "/usr/bin/curl", "--tree", "/etc/ssl/certs/ca-certificates.crt",
                                    source().string(), output().string(), "2.0.0"});
    ASSERT_EQ(built.exit_code, 0) << built.err;
    EXPECT_NE(read_file(output() / "babel.toml").find("node_version = \"2.0.0\""), std::string::npos);
    EXPECT_TRUE(fs::is_regular_file(output() / "rootfs/usr/bin/curl"));
    EXPECT_EQ(read_file(output() / "rootfs/etc/ssl/certs/ca-certificates.crt"), read_file("/etc/ssl/certs/ca-certificates.crt"));
}

// An installed package comes from this host (dpkg -L); what lands on one of busybox's applet
// links replaces the link, not busybox.
TEST_F(BuildImage, AnInstalledPackageAndATreeOverAnAppletLeaveBusyboxWhole) {
    contents("version 1.0\npackage xz-utils\n");
    const auto built = build_image({"--tree", "/bin/sed", source().string(), output().string()});
    ASSERT_EQ(built.exit_code, 0) << built.err;
    const auto rootfs = output() / "rootfs";
    EXPECT_EQ(read_file(rootfs / "usr/bin/xz"), read_file("/usr/bin/xz"));
    EXPECT_TRUE(fs::exists(rootfs / "usr/bin/unxz"));
    EXPECT_FALSE(fs::is_symlink(rootfs / "bin/sed"));
    EXPECT_EQ(read_file(rootfs / "bin/sed"), read_file("/bin/sed"));
    EXPECT_EQ(read_file(rootfs / "bin/busybox"), read_file("/bin/busybox")) << "busybox was overwritten through its applet link";
    expect_links_stay_inside(rootfs);
}

// tre-agrep needs libtre.so.5, which this host lacks: refused, naming it, until the image
// brings it (package libtre5 first).
TEST_F(BuildImage, ALibraryNeitherTheImageNorTheHostHasFailsTheBuildUntilAPackageBringsIt) {
    contents("version 1.0\npackage tre-agrep\n");
    expect_refused({source().string(), output().string()}, "/usr/bin/tre-agrep needs libraries neither the image nor this host has: libtre.so.5 => not found");
    EXPECT_FALSE(fs::exists(output()));
    contents("version 1.0\npackage libtre5\npackage tre-agrep\n");
    const auto built = build_image({source().string(), output().string()});
    ASSERT_EQ(built.exit_code, 0) << built.err;
    const auto ran = run({"chroot", (output() / "rootfs").string(), "/usr/bin/tre-agrep", "-V"}, 10s);
    EXPECT_EQ(ran.exit_code, 0) << ran.err;
    EXPECT_NE(ran.out.find("TRE agrep"), std::string::npos) << ran.out;
}

TEST_F(BuildImage, RefusesBadInputNamingWhatIsWrongAndLeavesNoHalfImage) {
    const auto args = std::vector<std::string>{source().string(), output().string(), "1.0"};
    contents("version-of no-such-package-of-debian\n");
    expect_refused(args, "contents:1: version-of no-such-package-of-debian: that package is not installed on this host");
    contents("program /usr/bin/curl\nprogramme /usr/bin/curl\n");
    expect_refused(args, "contents:2: unknown item 'programme'");
    contents("\n# empty\npackage\n");
    expect_refused(args, "contents:3: 'package' wants one value");
    contents("program /usr/bin/no-such-program\n");
    expect_refused(args, "program /usr/bin/no-such-program: no executable file of that name on this host");
    contents("program usr/bin/curl\n");
    expect_refused(args, "give its absolute path");
    contents("package no-such-package-of-debian\n");
    expect_refused(args, "package no-such-package-of-debian: apt knows no package of that name");
    contents("tree /no/such/tree\n");
    expect_refused(args, "tree /no/such/tree: nothing of that name on this host");
    contents("");
    expect_refused({source().string(), output().string()}, "give VERSION");

    write_file_atomically(source() / "babel.toml", std::string(greeter_toml) + "\n[[methods]]\nname =\n");
    expect_refused(args, "is not a valid babel config: babel.toml:");
    write_file_atomically(source() / "babel.toml", "[config]\nnode_version = \"1\"\n");
    expect_refused(args, "states its own node_version (no @VERSION@ to fill in): drop VERSION");
    expect_refused({(dir_.path() / "nowhere").string(), output().string()}, "neither one of images/ (dummy litecoin) nor a directory");
    expect_refused({"--programme", "x", source().string(), output().string()}, "unknown option --programme");
    const auto help = build_image({"--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find("Usage: scripts/build-image"), std::string::npos) << help.out;
    EXPECT_EQ(build_image({"only-one-argument"}).exit_code, 2);

    // An output that is no image is not replaced; an image is, only once the new one is whole.
    fs::create_directories(output());
    write_file_atomically(output() / "notes.txt", "mine");
    write_file_atomically(source() / "babel.toml", greeter_toml);
    expect_refused(args, "is not empty and holds no babel.toml: not replacing it");
    EXPECT_EQ(read_file(output() / "notes.txt"), "mine");
    fs::remove(output() / "notes.txt");
    contents("tree? /no/such/tree  # may be missing\n");
    ASSERT_EQ(build_image(args).exit_code, 0);
    contents("program /usr/bin/no-such-program\n");
    expect_refused({source().string(), output().string(), "1.1"}, "no-such-program");
    EXPECT_NE(read_file(output() / "babel.toml").find("node_version = \"1.0\""), std::string::npos) << "the old image was lost";
}

}  // namespace
}  // namespace bv::test
