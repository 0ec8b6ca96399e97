// The Debian package as an operator meets it: made by scripts/package, judged by lintian,
// installed into a fresh root with dpkg (its maintainer scripts run against that root), then
// removed and purged.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <set>

#include "common/files.hpp"
#include "support/process.hpp"

namespace bv::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Every path under `root`, but dpkg's own bookkeeping and the backups groupadd keeps.
std::set<std::string> tree(const fs::path& root) {
    std::set<std::string> paths;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        const auto relative = fs::relative(entry.path(), root).string();
        if (relative.starts_with("var/lib/dpkg") || relative == "etc/group-") continue;
        paths.insert(relative);
    }
    return paths;
}

class Package : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        output_ = new TempDir("bv-package");
        const auto made = run({std::string(BV_SOURCE_DIR) + "/scripts/package", BV_BINARY_DIR, output_->path().string()},
                              120s);
        ASSERT_EQ(made.exit_code, 0) << made.err;
        deb_ = new std::string(made.out.substr(0, made.out.find('\n')));
    }
    static void TearDownTestSuite() {
        delete output_;
        delete deb_;
    }

    // A root as dpkg finds one on a new system: the group and user files, an empty database.
    void make_fresh_root() {
        for (const auto* directory : {"etc", "var/lib/dpkg/info", "var/lib/dpkg/updates"}) {
            fs::create_directories(root_.path() / directory);
        }
        write_file_atomically(root_.path() / "etc/group", "root:x:0:\nadm:x:4:\n");
        write_file_atomically(root_.path() / "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
        write_file_atomically(root_.path() / "var/lib/dpkg/status", "");
        write_file_atomically(root_.path() / "var/lib/dpkg/available", "");
    }

    ProcessResult dpkg(std::vector<std::string> args) {
        args.insert(args.begin(), {"dpkg", "--root=" + root_.path().string(), "--force-script-chrootless"});
        return run(args, 120s);
    }

    static TempDir* output_;
    static std::string* deb_;
    TempDir root_{"bv-fresh-root"};
};

TempDir* Package::output_ = nullptr;
std::string* Package::deb_ = nullptr;

TEST_F(Package, IsNamedForItsVersionAndHoldsEverything) {
    EXPECT_EQ(fs::path(*deb_).filename(), "blockvisor_0.1.0_amd64.deb");
    const auto contents = run({"dpkg-deb", "--contents", *deb_}).out;
    for (const auto* path : {"./usr/bin/blockvisor", "./usr/bin/bv-node", "./usr/bin/bvd -> blockvisor", "./usr/bin/bv -> blockvisor",
                             "./usr/bin/babelsup -> bv-node", "./lib/systemd/system/blockvisor.service",
                             "./usr/share/bash-completion/completions/bv", "./usr/share/zsh/vendor-completions/_bv",
                             "./usr/share/fish/vendor_completions.d/bv.fish", "./usr/share/man/man8/bvd.8.gz",
                             "./usr/share/man/man1/bv.1.gz", "./usr/share/man/man8/babel.8.gz",
                             "./usr/share/blockvisor/config.json", "./usr/share/doc/blockvisor/copyright"}) {
        EXPECT_NE(contents.find(path), std::string::npos) << path << "\n" << contents;
    }
}

TEST_F(Package, LintianFindsNothingButWhatTheOverridesExplain) {
    const auto lintian = run({"lintian", "--pedantic", "--info", *deb_}, 300s);
    EXPECT_EQ(lintian.exit_code, 0) << lintian.out << lintian.err;
    EXPECT_EQ(lintian.out, "");
}

TEST_F(Package, InstallsIntoAFreshRootRunsAndLeavesNothingAfterPurge) {
    make_fresh_root();
    const auto before = tree(root_.path());
    const auto group_before = read_file(root_.path() / "etc/group");

    const auto installed = dpkg({"--install", *deb_});
    ASSERT_EQ(installed.exit_code, 0) << installed.out << installed.err;
    const auto version = run({(root_.path() / "usr/bin/bv").string(), "--version"});
    EXPECT_EQ(version.out, "blockvisor 0.1.0\n") << version.err;
    EXPECT_EQ(run({(root_.path() / "usr/bin/babel").string(), "--version"}).out, "blockvisor 0.1.0\n");
    EXPECT_NE(read_file(root_.path() / "etc/group").find("\nblockvisor:x:"), std::string::npos);
    struct stat config {};
    ASSERT_EQ(::stat((root_.path() / "etc/blockvisor/config.json").c_str(), &config), 0);
    EXPECT_EQ(config.st_mode & 0777, 0600);
    // The installed completion works in bash.
    const auto completion = run({"bash", "--norc", "-c",
                                 "source " + (root_.path() / "usr/share/bash-completion/completions/bv").string() +
                                     " && COMP_WORDS=(bv node cr) COMP_CWORD=2 && _bv && echo ${COMPREPLY[*]}"},
                                30s, {{"PATH", (root_.path() / "usr/bin").string() + ":/usr/bin:/bin"}});
    EXPECT_EQ(completion.out, "create\n") << completion.err;

    // Remove: the programs go, the host config stays (for a later install).
    ASSERT_EQ(dpkg({"--remove", "blockvisor"}).exit_code, 0);
    EXPECT_FALSE(fs::exists(root_.path() / "usr/bin/blockvisor"));
    EXPECT_TRUE(fs::exists(root_.path() / "etc/blockvisor/config.json"));

    // Purge: nothing of it is left, its group neither.
    ASSERT_EQ(dpkg({"--purge", "blockvisor"}).exit_code, 0);
    EXPECT_EQ(tree(root_.path()), before);
    EXPECT_EQ(read_file(root_.path() / "etc/group"), group_before);
}

}  // namespace
}  // namespace bv::test
