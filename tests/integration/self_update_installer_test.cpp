// bv-installer end to end (docs/self-update.md): real bundles of two versions made by
// scripts/bundle (the SelfUpdateTestBundles fixture), a fresh root per test, bvd started and
// restarted by the installer's `process` service manager, the host driven with bv.
//
// Broken versions are real bundles too (support/test_bundles.hpp): bvd crashes at start, or is
// another version's (its health check never passes), or crashes when the root holds crash-bvd.

#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <fstream>

#include "common/files.hpp"
#include "install/bundle.hpp"
#include "install/layout.hpp"
#include "install/run/service_manager.hpp"
#include "support/api_under_test.hpp"
#include "support/host_under_test.hpp"
#include "support/process.hpp"
#include "support/test_archives.hpp"
#include "support/test_bundles.hpp"
#include "support/test_images.hpp"
#include "support/test_release_key.hpp"

namespace bv::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

std::string trimmed(std::string text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    return text;
}

class SelfUpdate : public ::testing::Test {
  protected:
    explicit SelfUpdate(std::uint64_t small_root_bytes = 0)
        : host_(WithoutDaemon{small_root_bytes}) {
        fs::create_directories(root() / "etc/blockvisor");
        json::object config;
        config["releasePublicKeys"] = json::array{json::string(real_bundle_key()),
                                                  json::string(test_key_.public_key_base64())};
        write_file_atomically(root() / "etc/blockvisor/config.json", json::serialize(config));
    }

    // Registers the host with `api` in its config, as `bv init` would have.
    void provision_with(const ApiUnderTest& api) {
        const auto host = provision(api, "updating-host");
        auto config = json::parse(read_file(root() / "etc/blockvisor/config.json")).as_object();
        config["hostId"] = host.id;
        config["apiUrl"] = api.url();
        config["apiCaFile"] = api.ca().string();
        config["token"] = host.tokens.access_token();
        config["refreshToken"] = host.tokens.refresh_token();
        config["tokenExpiresAtMs"] = std::to_string(host.tokens.access_token_expires_at_ms());
        write_file_atomically(root() / "etc/blockvisor/config.json", json::serialize(config));
    }

    ~SelfUpdate() override {
        // The installer's bvd is nobody's child here: stopped by its PID.
        if (const auto pid = install::running_bvd_pid(paths())) {
            ::kill(*pid, SIGTERM);
            if (!eventually([&] { return !install::running_bvd_pid(paths()); }, 15s))
                ::kill(*pid, SIGKILL);
        }
    }

    const fs::path& root() const { return host_.root(); }
    HostPaths paths() const { return host_paths(root()); }
    install::InstallLayout layout() const { return install::InstallLayout(paths()); }

    ProcessResult installer(std::vector<std::string> args,
                            std::map<std::string, std::string> environment = {}) {
        std::vector<std::string> argv{binary("blockvisor"),
                                      "bv-installer",
                                      "--root",
                                      root().string(),
                                      "--service-manager",
                                      "process",
                                      "--health-timeout",
                                      "5",
                                      "--drain-timeout",
                                      "5"};
        argv.insert(argv.end(), args.begin(), args.end());
        return run(std::move(argv), 120s, std::move(environment));
    }

    ProcessResult install_bundle(const fs::path& bundle,
                                 std::map<std::string, std::string> environment = {}) {
        return installer({"--bundle", bundle.string()}, std::move(environment));
    }

    void install_ok(const fs::path& bundle) {
        const auto result = install_bundle(bundle);
        ASSERT_EQ(result.exit_code, 0) << result.err;
    }

    std::optional<std::string> current() const { return install::linked_version(layout().current); }

    // The version the running bvd answers with; "" when none answers.
    std::string bvd_version() const {
        const auto status = host_.bv({"status", "--json"});
        if (status.exit_code != 0) return "";
        return json::value_to<std::string>(json::parse(status.out).at("version"));
    }

    std::optional<pid_t> bvd_pid() const { return install::running_bvd_pid(paths()); }

    std::string installer_state() const {
        return read_file_if_exists(layout().installer_state).value_or("");
    }

    fs::path broken_bundle(const std::string& version, const std::string& real_version,
                           Breakage breakage) {
        return test::broken_bundle(work_.path(), version, real_version, breakage, test_key_);
    }

    void expect_running(const std::string& version) {
        EXPECT_EQ(current(), version);
        EXPECT_TRUE(eventually([&] { return bvd_version() == version; }, 20s))
            << "bvd answers as '" << bvd_version() << "'";
    }

    TestReleaseKey test_key_;
    HostUnderTest host_;
    TempDir work_{"bv-bundles"};
};

TEST_F(SelfUpdate, FirstInstallStartsBvdWithNothingToBackUp) {
    install_ok(real_bundle("1.0.0"));
    expect_running("1.0.0");
    EXPECT_FALSE(fs::exists(fs::symlink_status(layout().backup)));
    EXPECT_NE(installer_state().find("\"end\":\"installed\""), std::string::npos)
        << installer_state();
}

TEST_F(SelfUpdate, UpdateSucceedsAndLeavesTheNodesRunning) {
    install_ok(real_bundle("1.0.0"));
    host_.bv_ok({"image", "import", test_image("dummy").string()});
    host_.bv_ok({"node", "create", "dummy/sleeper/1.0.0", "--name", "sleepy"});
    host_.bv_ok({"node", "start", "sleepy"});
    const auto id = json::value_to<std::string>(
        json::parse(host_.bv_ok({"node", "info", "sleepy", "--json"})).at("id"));
    const auto node_root = root() / "var/lib/blockvisor/nodes" / id / "rootfs/root";
    const auto before = processes_in(node_root);
    ASSERT_FALSE(before.empty());
    const auto old_bvd = bvd_pid();

    install_ok(real_bundle("1.1.0"));

    expect_running("1.1.0");
    EXPECT_NE(bvd_pid(), old_bvd);
    EXPECT_EQ(install::linked_version(layout().backup), "1.0.0");
    // The chain's processes (and babelsup) were not restarted; babel was updated to 1.1.0's.
    const auto pids_but_babel = [](const std::vector<NodeProcess>& processes) {
        std::vector<int> pids;
        for (const auto& process : processes) {
            if (process.command != "babel") pids.push_back(process.pid);
        }
        return pids;
    };
    EXPECT_EQ(pids_but_babel(processes_in(node_root)), pids_but_babel(before));
    EXPECT_NE(read_file(install::bvd_log_file(paths()))
                  .find("node sleepy: babel updated to this bvd's version"),
              std::string::npos)
        << read_file(install::bvd_log_file(paths()));
    EXPECT_NE(host_.bv_ok({"node", "status", "sleepy"}).find("running"), std::string::npos);
    EXPECT_TRUE(install::read_blacklist(paths()).empty());
}

TEST_F(SelfUpdate, NewBvdThatCrashesAtStartIsBlacklistedAndTheBackupReinstalled) {
    install_ok(real_bundle("1.0.0"));
    const auto result = install_bundle(broken_bundle("1.1.0", "1.1.0", Breakage::crash_at_start));
    EXPECT_EQ(result.exit_code, 1) << result.err;
    EXPECT_NE(result.err.find("crashing at start"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("result=installed (rolled back)"), std::string::npos) << result.err;
    expect_running("1.0.0");
    EXPECT_EQ(install::read_blacklist(paths()), (std::set<std::string>{"1.1.0"}));
    // Cleaned up: the failed version's files are gone, the running one's stay.
    EXPECT_FALSE(fs::exists(layout().version_dir("1.1.0")));
    // And it is never installed again.
    const auto again = install_bundle(broken_bundle("1.1.0", "1.1.0", Breakage::crash_at_start));
    EXPECT_EQ(again.exit_code, 1);
    EXPECT_NE(again.err.find("blacklisted"), std::string::npos) << again.err;
    expect_running("1.0.0");
}

TEST_F(SelfUpdate, FailedHealthCheckIsBlacklistedAndTheBackupReinstalled) {
    install_ok(real_bundle("1.0.0"));
    const auto result =
        install_bundle(broken_bundle("1.1.0", "1.1.0", Breakage::answers_as_old_version));
    EXPECT_EQ(result.exit_code, 1) << result.err;
    EXPECT_NE(result.err.find("was not healthy within 5 s"), std::string::npos) << result.err;
    expect_running("1.0.0");
    EXPECT_EQ(install::read_blacklist(paths()), (std::set<std::string>{"1.1.0"}));
}

TEST_F(SelfUpdate, FailedRollbackIsABrokenHostWithAClearMessage) {
    install_ok(broken_bundle("1.0.0", "1.0.0", Breakage::crash_on_marker));
    expect_running("1.0.0");
    write_file_atomically(root() / "crash-bvd", "");
    const auto result = install_bundle(broken_bundle("1.1.0", "1.1.0", Breakage::crash_at_start));
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("result=broken: the host is broken: the rollback to 1.0.0 failed"),
              std::string::npos)
        << result.err;
    EXPECT_NE(result.err.find("after the update to 1.1.0 failed"), std::string::npos) << result.err;
    EXPECT_NE(installer_state().find("\"end\":\"broken\""), std::string::npos) << installer_state();
    EXPECT_EQ(install::read_blacklist(paths()), (std::set<std::string>{"1.0.0", "1.1.0"}));
}

TEST_F(SelfUpdate, ControlPlaneSeesUpdatingThenIdleAndABrokenHost) {
    ApiUnderTest api;
    provision_with(api);
    install_ok(real_bundle("1.0.0"));
    ASSERT_TRUE(eventually(
        [&] { return api.server().err().find("HOST_STATUS_ONLINE") != std::string::npos; }, 20s))
        << api.server().err();
    install_ok(broken_bundle("1.1.0", "1.1.0", Breakage::crash_on_marker));
    ASSERT_TRUE(eventually(
        [&] {
            return api.server().err().find("HOST_STATUS_IDLE: installed 1.1.0") !=
                   std::string::npos;
        },
        20s))
        << api.server().err();
    const auto log = api.server().err();
    EXPECT_LT(log.find("HOST_STATUS_UPDATING: updating to 1.1.0"),
              log.find("HOST_STATUS_IDLE: installed 1.1.0"))
        << log;

    // 1.1.0 crashes from now on, and so does the next version: the rollback to 1.1.0 fails.
    write_file_atomically(root() / "crash-bvd", "");
    const auto result = install_bundle(broken_bundle("1.2.0", "1.1.0", Breakage::crash_at_start));
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("result=broken"), std::string::npos) << result.err;
    // Told by the installer itself: no bvd runs.
    EXPECT_TRUE(eventually(
        [&] {
            return api.server().err().find("HOST_STATUS_BROKEN: the rollback to 1.1.0 failed") !=
                   std::string::npos;
        },
        20s))
        << api.server().err();
}

// bvd installed otherwise (a package's /usr/bin, here a directory of 1.0.0's binaries): its
// binaries are copied into opt/blockvisor/1.0.0 as the backup, and a failed update rolls back
// to that copy.
TEST_F(SelfUpdate, BvdNotInstalledFromABundleIsBackedUpAndRolledBackTo) {
    const auto elsewhere = work_.path() / "usr";
    fs::create_directories(elsewhere);
    ASSERT_EQ(
        run({"tar", "xzf", real_bundle("1.0.0").string(), "-C", elsewhere.string()}).exit_code, 0);
    Process bvd({(elsewhere / "bin/blockvisor").string(), "bvd", "--root", root().string()},
                work_.path());
    ASSERT_TRUE(eventually([&] { return bvd_version() == "1.0.0"; }, 20s)) << bvd.err();
    EXPECT_EQ(current(), std::nullopt);

    const auto result = install_bundle(broken_bundle("1.1.0", "1.1.0", Breakage::crash_at_start));
    EXPECT_EQ(result.exit_code, 1) << result.err;
    EXPECT_NE(result.err.find("copied the running bvd's binaries into"), std::string::npos)
        << result.err;
    EXPECT_NE(result.err.find("result=installed (rolled back)"), std::string::npos) << result.err;
    expect_running("1.0.0");
    EXPECT_TRUE(fs::exists(layout().version_dir("1.0.0") / "local-backup"));
    EXPECT_EQ(install::read_blacklist(paths()), (std::set<std::string>{"1.1.0"}));
}

TEST_F(SelfUpdate, BadBundlesAreRefusedBeforeAnythingChanges) {
    install_ok(real_bundle("1.0.0"));
    const auto pid = bvd_pid();
    const TestReleaseKey stranger;
    const std::map<std::string, std::string> files{{"bin/blockvisor", "#!/bin/sh\nexit 0\n"}};
    auto wrong_checksum = signed_bundle_entries("1.1.0", files, test_key_);
    wrong_checksum.front().content = "#!/bin/sh\necho changed\n";
    auto unsigned_bundle = signed_bundle_entries("1.1.0", files, test_key_);
    unsigned_bundle.pop_back();
    auto hostile = signed_bundle_entries("1.1.0", files, test_key_);
    hostile.insert(hostile.begin(), file_entry("../../etc/evil", "x"));
    const std::vector<std::pair<std::vector<ArchiveEntrySpec>, std::string>> cases{
        {signed_bundle_entries("1.1.0", files, stranger),
         "not a signature of manifest.json by a trusted release key"},
        {wrong_checksum, "has the checksum"},
        {unsigned_bundle, "unsigned bundle"},
        {hostile, "a '..' component"},
    };
    for (const auto& [entries, reason] : cases) {
        SCOPED_TRACE(reason);
        const auto bundle = work_.path() / "bad.tar.gz";
        write_test_archive(bundle, entries);
        const auto result = install_bundle(bundle);
        EXPECT_EQ(result.exit_code, 1);
        EXPECT_NE(result.err.find(reason), std::string::npos) << result.err;
        EXPECT_NE(result.err.find("nothing was changed"), std::string::npos) << result.err;
        EXPECT_FALSE(fs::exists(layout().version_dir("1.1.0")));
        EXPECT_EQ(current(), "1.0.0");
        EXPECT_EQ(bvd_pid(), pid);
    }
    EXPECT_TRUE(install::read_blacklist(paths()).empty());
}

// Killed right after it recorded each step (before doing it), then run again: it finishes,
// and only one version is ever current.
TEST_F(SelfUpdate, KilledInstallerRunAgainFinishes) {
    install_ok(real_bundle("1.0.0"));
    install::unpack_bundle(real_bundle("1.1.0"), layout().version_dir("1.1.0"),
                           {real_bundle_key()});
    for (const auto* step : {"check", "back_up", "notify_bvd", "switch_current", "restart",
                             "wait_healthy", "clean_up"}) {
        SCOPED_TRACE(std::string("killed at ") + step);
        // Back on 1.0.0 for the next round.
        if (current() != "1.0.0") {
            write_file_atomically(layout().installer_state, "");
            fs::remove(layout().installer_state);
            const auto back = installer({"1.0.0"});
            ASSERT_EQ(back.exit_code, 0) << back.err;
            if (!fs::exists(layout().version_dir("1.1.0"))) {
                install::unpack_bundle(real_bundle("1.1.0"), layout().version_dir("1.1.0"),
                                       {real_bundle_key()});
            }
        }
        const auto killed = installer({"1.1.0"}, {{"BV_TEST_INSTALLER_KILL_AT", step}});
        EXPECT_EQ(killed.signal, SIGKILL) << killed.err;
        const auto current_after_kill = current();
        EXPECT_TRUE(current_after_kill == "1.0.0" || current_after_kill == "1.1.0");
        const auto again = installer({"1.1.0"});
        EXPECT_EQ(again.exit_code, 0) << again.err;
        EXPECT_NE(again.err.find(std::string("resuming the interrupted install of 1.1.0 at step ") +
                                 step),
                  std::string::npos)
            << again.err;
        expect_running("1.1.0");
    }
}

TEST_F(SelfUpdate, KilledDuringTheRollbackRunAgainRollsBack) {
    install_ok(real_bundle("1.0.0"));
    const auto killed = install_bundle(broken_bundle("1.1.0", "1.1.0", Breakage::crash_at_start),
                                       {{"BV_TEST_INSTALLER_KILL_AT", "blacklist"}});
    EXPECT_EQ(killed.signal, SIGKILL) << killed.err;
    const auto again = installer({"1.1.0"});
    EXPECT_EQ(again.exit_code, 1) << again.err;
    EXPECT_NE(again.err.find("result=installed (rolled back)"), std::string::npos) << again.err;
    expect_running("1.0.0");
    EXPECT_EQ(install::read_blacklist(paths()), (std::set<std::string>{"1.1.0"}));
}

class SelfUpdateOnASmallDisk : public SelfUpdate {
  protected:
    SelfUpdateOnASmallDisk() : SelfUpdate(160ULL << 20) {}
};

TEST_F(SelfUpdateOnASmallDisk, FullDiskRefusesTheUpdateAndNothingIsSwitched) {
    install_ok(real_bundle("1.0.0"));
    const auto pid = bvd_pid();
    install::unpack_bundle(real_bundle("1.1.0"), layout().version_dir("1.1.0"),
                           {real_bundle_key()});
    // The rest of the disk taken.
    run({"sh", "-c",
         "dd if=/dev/zero of='" + (root() / "filler").string() + "' bs=1M 2>/dev/null || true"});
    const auto result = installer({"1.1.0"});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("No space left on device"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("nothing was changed"), std::string::npos) << result.err;
    EXPECT_EQ(current(), "1.0.0");
    EXPECT_EQ(bvd_pid(), pid);
    fs::remove(root() / "filler");
    // With room again, the update goes through.
    const auto again = installer({"1.1.0"});
    EXPECT_EQ(again.exit_code, 0) << again.err;
    expect_running("1.1.0");
}

}  // namespace
}  // namespace bv::test

namespace bv::test {
namespace {

// bvd's side of an update: told it starts, it refuses node operations (retryable), and takes
// them again when told it ended.
TEST(SelfUpdateNotice, BvdRefusesNodeOperationsWhileAnUpdateStarts) {
    HostUnderTest host;
    const auto starting = host.curl("/blockvisor.v1.HostService/UpdateStarting", "application/json",
                                    R"({"version": "9.9.9", "drainTimeoutMs": 1000})");
    EXPECT_EQ(trimmed(starting.out).substr(trimmed(starting.out).rfind('\n') + 1), "200")
        << starting.out;
    const auto refused = host.bv({"node", "start", "no-such-node"});
    EXPECT_NE(refused.exit_code, 0);
    EXPECT_NE(
        refused.err.find("a self update to 9.9.9 is in progress; try again when it has ended"),
        std::string::npos)
        << refused.err;
    const auto ended = host.curl("/blockvisor.v1.HostService/UpdateEnded", "application/json",
                                 R"({"message": "rolled back"})");
    EXPECT_NE(ended.out.find("200"), std::string::npos) << ended.out;
    const auto accepted = host.bv({"node", "start", "no-such-node"});
    EXPECT_NE(accepted.err.find("not found"), std::string::npos) << accepted.err;
}

}  // namespace
}  // namespace bv::test
