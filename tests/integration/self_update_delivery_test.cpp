// Self update, the delivery half (docs/self-update.md): bundles published in bv-api, listed and
// served to hosts, the provisioning script, and bvd's update checker taking a release from the
// notice to a started installer. Real processes: bv-api on 127.0.0.1 with its CA, bvd on a
// fresh root.

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <regex>
#include <sstream>

#include "blockvisor/api/admin/v1/admin.pb.h"
#include "blockvisor/api/v1/bundle.pb.h"
#include "common/files.hpp"
#include "common/sha256.hpp"
#include "common/version.hpp"
#include "host/host_config.hpp"
#include "install/layout.hpp"
#include "install/run/service_manager.hpp"
#include "install/version.hpp"
#include "support/api_under_test.hpp"
#include "support/host_under_test.hpp"
#include "support/process.hpp"
#include "support/test_archives.hpp"
#include "support/test_bundles.hpp"
#include "support/test_release_key.hpp"

namespace bv::test {
namespace {

using namespace std::chrono_literals;
namespace v1 = blockvisor::api::v1;
namespace fs = std::filesystem;

const std::string kListBundles = "blockvisor.api.v1.BundleService/ListBundles";

// The version after the one this build reports, with the same major: what the checker takes.
std::string next_version(std::uint32_t patches = 1) {
    auto version = install::Version::parse(kVersion).value();
    version.patch += patches;
    return version.to_string();
}

// A bundle as scripts/bundle lays it out (docs/self-update.md), unsigned: what bv-api needs of
// it is the manifest's version. `padding` bytes of noise make it big enough to cut a download.
fs::path write_bundle(const fs::path& dir, const std::string& version, std::size_t padding = 0) {
    std::string noise;
    noise.reserve(padding);
    std::uint64_t state = 88172645463325252ull;
    for (std::size_t i = 0; i < padding; ++i) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        noise.push_back(static_cast<char>(state));
    }
    const std::string binary = "#!/bin/sh\necho blockvisor " + version + "\n";
    const auto manifest = "{\"version\": \"" + version + "\", \"files\": {\"bin/blockvisor\": \"" +
                          sha256_hex(binary) + "\"}}";
    const auto file = dir / ("blockvisor-" + version + ".tar.gz");
    write_test_archive(file, {directory_entry("bin"), file_entry("bin/blockvisor", binary, 0755),
                              file_entry("manifest.json", manifest), file_entry("manifest.sig", "unsigned"),
                              file_entry("padding", noise)});
    return file;
}

::testing::AssertionResult mentions(const std::string& text, std::initializer_list<std::string_view> parts) {
    for (const auto part : parts) {
        if (text.find(part) == std::string::npos) {
            return ::testing::AssertionFailure() << "'" << text << "' does not mention '" << part << "'";
        }
    }
    return ::testing::AssertionSuccess();
}

// ---- bv-api: publish, list, serve ----------------------------------------------------------------

class BundleStore : public ::testing::Test {
protected:
    BundleStore() : host_(provision(api_, "host-a")) {}

    ProcessResult publish(const fs::path& file) { return api_.admin({"bundle", "publish", file.string(), "--json"}); }
    v1::ListBundlesResponse list() {
        v1::ListBundlesRequest request;
        request.set_host_id(host_.id);
        return api_.call<v1::ListBundlesResponse>(kListBundles, request, host_.tokens.access_token());
    }
    // curl's HTTP status of a GET of `url` with these options; the body goes to `output`.
    std::string get(const std::string& url, std::vector<std::string> options, const fs::path& output = "/dev/null") {
        std::vector<std::string> args{"curl", "-sS", "--cacert", api_.ca().string(), "-o", output.string(), "-w",
                                      "%{http_code}"};
        args.insert(args.end(), options.begin(), options.end());
        args.push_back(url);
        return run(args).out;
    }
    std::string bearer(const std::string& token) { return "Authorization: Bearer " + token; }

    TempDir files_{"bv-bundles"};
    ApiUnderTest api_;
    ProvisionedHost host_;
};

TEST_F(BundleStore, PublishedBundlesAreListedNewestFirstWithSizeHashAndUrl) {
    for (const auto& version : {"1.2.0", "1.10.0", "1.9.3"}) {
        const auto published = publish(write_bundle(files_.path(), version));
        ASSERT_EQ(published.exit_code, 0) << published.err;
        EXPECT_EQ(json_field(published.out, "bundle.bundle.version"), version);
    }
    const auto listed = list();
    ASSERT_EQ(listed.bundles_size(), 3);
    EXPECT_EQ(listed.bundles(0).version(), "1.10.0");
    EXPECT_EQ(listed.bundles(1).version(), "1.9.3");
    EXPECT_EQ(listed.bundles(2).version(), "1.2.0");
    const auto& newest = listed.bundles(0);
    EXPECT_EQ(newest.url(), api_.url() + "/bundles/blockvisor-1.10.0.tar.gz");
    const auto original = files_.path() / "blockvisor-1.10.0.tar.gz";
    EXPECT_EQ(newest.size(), fs::file_size(original));
    EXPECT_EQ(newest.sha256(), sha256_file(original));
    EXPECT_GT(newest.published_at_ms(), 0);

    const auto text = api_.admin({"bundles"});
    EXPECT_TRUE(mentions(text.out, {"VERSION", "1.10.0", "1.9.3", "1.2.0"})) << text.out;
    // A restart of bv-api keeps them.
    api_.kill_hard();
    api_.start({});
    EXPECT_EQ(list().bundles_size(), 3);
}

TEST_F(BundleStore, DownloadsNeedAHostTokenOrAUsablePasswordAndResumeWithRanges) {
    ASSERT_EQ(publish(write_bundle(files_.path(), "2.0.0", 100'000)).exit_code, 0);
    const auto bundle = list().bundles(0);
    TempDir out("bv-bundle-download");
    const auto whole = out.path() / "whole.tar.gz";
    EXPECT_EQ(get(bundle.url(), {"-H", bearer(host_.tokens.access_token())}, whole), "200");
    EXPECT_EQ(sha256_file(whole), bundle.sha256());

    EXPECT_EQ(get(bundle.url(), {}), "401") << "no token";
    EXPECT_EQ(get(bundle.url(), {"-H", bearer("0123456789abcdef")}), "401") << "an unknown token";
    EXPECT_EQ(get(bundle.url(), {"-H", bearer(api_.otp())}), "200") << "a provisioning script's password";
    const auto used = api_.otp();
    v1::ProvisionRequest provisioning;
    provisioning.set_otp(used);
    provisioning.mutable_info()->set_name("host-c");
    api_.call<v1::ProvisionResponse>("blockvisor.api.v1.HostService/Provision", provisioning);
    EXPECT_EQ(get(bundle.url(), {"-H", bearer(used)}), "401") << "a used password";

    // curl -C - over a half-written file: the rest only.
    const auto partial = out.path() / "partial.tar.gz";
    write_file_atomically(partial, read_file(whole).substr(0, bundle.size() / 2));
    EXPECT_EQ(get(bundle.url(), {"-H", bearer(host_.tokens.access_token()), "-C", "-"}, partial), "206");
    EXPECT_EQ(sha256_file(partial), bundle.sha256());
    // Not under the open /files/ mount.
    EXPECT_EQ(get(api_.url() + "/files/../bundles/blockvisor-2.0.0.tar.gz", {"--path-as-is"}), "404");
}

TEST_F(BundleStore, PublishingSendsEveryHostThatIsNotRevokedAnUpdateNotice) {
    const auto revoked = provision(api_, "host-b");
    ASSERT_EQ(api_.admin({"host", "revoke", revoked.id}).exit_code, 0);
    CommandStream stream(api_, host_);
    ASSERT_TRUE(stream.next(10s)) << "the first heartbeat";
    const auto published = publish(write_bundle(files_.path(), "3.1.4"));
    ASSERT_EQ(published.exit_code, 0) << published.err;
    EXPECT_EQ(json_field(published.out, "notices.0.hostId"), host_.id);
    EXPECT_EQ(json_field(published.out, "notices.1"), "<missing>") << "the revoked host gets none: " << published.out;
    const auto command = stream.next_command(10s);
    ASSERT_TRUE(command);
    ASSERT_TRUE(command->has_host_update_notice());
    EXPECT_EQ(command->host_update_notice().version(), "3.1.4");
}

TEST_F(BundleStore, WhatIsNotABundleOrPublishedAlreadyIsRefusedWithAClearMessage) {
    const auto first = write_bundle(files_.path(), "1.0.0");
    ASSERT_EQ(publish(first).exit_code, 0);
    const auto again = publish(first);
    EXPECT_EQ(again.exit_code, 1);
    EXPECT_TRUE(mentions(again.err, {"bundle 1.0.0 is published already", "immutable"})) << again.err;

    const auto garbage = files_.path() / "garbage.tar.gz";
    write_file_atomically(garbage, "not an archive");
    EXPECT_TRUE(mentions(publish(garbage).err, {"is not a BlockVisor bundle"}));
    const auto no_manifest = files_.path() / "no-manifest.tar.gz";
    write_test_archive(no_manifest, {file_entry("bin/blockvisor", "x")});
    EXPECT_TRUE(mentions(publish(no_manifest).err, {"no manifest.json"}));
    const auto bad_version = files_.path() / "bad-version.tar.gz";
    write_test_archive(bad_version, {file_entry("manifest.json", R"({"version": "1.0", "files": {"bin/blockvisor": ")" +
                                                                      std::string(64, 'a') + R"("}})")});
    EXPECT_TRUE(mentions(publish(bad_version).err, {"is not a BlockVisor bundle", "its manifest.json: ", "1.0"}));
    const auto not_json = files_.path() / "not-json.tar.gz";
    write_test_archive(not_json, {file_entry("manifest.json", "{")});
    EXPECT_TRUE(mentions(publish(not_json).err, {"is not a BlockVisor bundle", "its manifest.json: "}));
    EXPECT_EQ(list().bundles_size(), 1);
    // Nothing but the one bundle was left in the data directory.
    int files = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(api_.data() / "bundles")) ++files;
    EXPECT_EQ(files, 1);
}

TEST_F(BundleStore, ListingNeedsTheHostsToken) {
    v1::ListBundlesRequest request;
    try {
        api_.call<v1::ListBundlesResponse>(kListBundles, request, "wrong");
        ADD_FAILURE() << "listed without a token";
    } catch (const rpc::Error& error) {
        EXPECT_EQ(error.code(), rpc::Code::unauthenticated);
    }
}

// ---- bvd: the update checker ---------------------------------------------------------------

class UpdateCheck : public ::testing::Test {
protected:
    std::string daemon_log() { return host_->daemon().err(); }
    // bv init with a fresh password; bvd checks for an update right after.
    void provision_host() {
        host_->bv_ok({"init", api_.otp(), "--api", api_.url(), "--ca", api_.ca().string(), "--yes"});
    }
    void publish(const fs::path& file) {
        const auto published = api_.admin({"bundle", "publish", file.string()});
        ASSERT_EQ(published.exit_code, 0) << published.err;
    }
    fs::path downloads() const { return host_->root() / "var/lib/blockvisor/downloads"; }
    // bvd stopped, the host config given these release keys, bvd started again.
    void trust(const std::vector<std::string>& keys) {
        host_->daemon().signal(SIGTERM);
        ASSERT_TRUE(host_->daemon().wait(20s));
        const auto file = host_->root() / "etc/blockvisor/config.json";
        auto config = load_host_config(file);
        for (const auto& key : keys) config.add_release_public_keys(key);
        save_host_config(file, config);
        host_->start_daemon();
    }
    // A bundle of `version` whose bin/blockvisor is a script writing its arguments and its
    // session id into the bundle's directory: the installer, as far as this half needs it.
    fs::path recording_bundle(const std::string& version, const TestReleaseKey& key) {
        const std::string recorder =
            "#!/bin/sh\n"
            "out=\"$(dirname \"$0\")/../installer-ran\"\n"
            "printf '%s\\n' \"$*\" > \"$out.tmp\"\n"
            "cut -d' ' -f6 /proc/$$/stat >> \"$out.tmp\"\n"
            "mv \"$out.tmp\" \"$out\"\n";
        const auto file = files_.path() / ("blockvisor-" + version + ".tar.gz");
        write_test_archive(file, signed_bundle_entries(version, {{"bin/blockvisor", recorder}}, key));
        return file;
    }
    bool log_says(const std::string& text, std::chrono::milliseconds timeout = 20s) {
        return eventually([&] { return daemon_log().find(text) != std::string::npos; }, timeout);
    }

    TempDir files_{"bv-bundles"};
    ApiUnderTest api_;
    std::unique_ptr<HostUnderTest> host_ = std::make_unique<HostUnderTest>();
};

TEST_F(UpdateCheck, AnUpdateNoticeMakesBvdDownloadAndCheckTheNewRelease) {
    provision_host();
    ASSERT_TRUE(log_says("self update: nothing newer than")) << daemon_log();
    const auto version = next_version();
    publish(write_bundle(files_.path(), version, 200'000));
    ASSERT_TRUE(log_says("the control plane announced release " + version)) << daemon_log();
    ASSERT_TRUE(log_says("bundle " + version + ": downloaded and checked")) << daemon_log();
    // This bundle is not signed by a key the host trusts: nothing is installed, and it says so.
    ASSERT_TRUE(log_says("self update to " + version + ": the bundle from")) << daemon_log();
    EXPECT_FALSE(fs::exists(host_->root() / "opt/blockvisor" / version));
    EXPECT_FALSE(fs::exists(downloads() / ("blockvisor-" + version + ".tar.gz.part"))) << "the refused archive goes";
}

TEST_F(UpdateCheck, AnInterruptedDownloadResumesWhereItStopped) {
    const auto version = next_version();
    const auto bundle = write_bundle(files_.path(), version, 400'000);
    publish(bundle);
    // What a bvd stopped in the middle of the download left.
    const auto bytes = read_file(bundle);
    fs::create_directories(downloads());
    write_file_atomically(downloads() / ("blockvisor-" + version + ".tar.gz.part"), bytes.substr(0, bytes.size() / 2));
    provision_host();
    ASSERT_TRUE(log_says("bundle " + version + ": downloaded and checked")) << daemon_log();
    EXPECT_TRUE(mentions(daemon_log(), {"(resuming at " + std::to_string(bytes.size() / 2) + " bytes)"}));
    const std::regex fetched("bundle " + std::regex_replace(version, std::regex("\\."), "\\.") +
                             R"(: downloaded and checked in [0-9.]+ s \(([0-9]+) of its ([0-9]+) bytes)");
    std::smatch match;
    const auto log = daemon_log();
    ASSERT_TRUE(std::regex_search(log, match, fetched)) << log;
    EXPECT_EQ(std::stoull(match[1]), bytes.size() - bytes.size() / 2) << "only the rest came";
    EXPECT_EQ(std::stoull(match[2]), bytes.size());
}

TEST_F(UpdateCheck, AWrongChecksumInstallsNothingAndSaysSo) {
    const auto version = next_version();
    publish(write_bundle(files_.path(), version, 10'000));
    // The served file changes after publishing (a corrupt disk, a tampered store): same size,
    // other bytes.
    const auto served = api_.data() / "bundles" / ("blockvisor-" + version + ".tar.gz");
    auto bytes = read_file(served);
    bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x55);
    write_file_atomically(served, bytes);
    provision_host();
    ASSERT_TRUE(log_says("self update to " + version + ": the download failed")) << daemon_log();
    EXPECT_TRUE(mentions(daemon_log(), {"has the SHA-256", "the control plane said", "refused and deleted",
                                        "nothing installed"}));
    EXPECT_FALSE(fs::exists(host_->root() / "opt/blockvisor" / version));
    EXPECT_FALSE(fs::exists(downloads() / ("blockvisor-" + version + ".tar.gz.part")));
}

TEST_F(UpdateCheck, ABlacklistedVersionIsNeverDownloaded) {
    const auto bad = next_version(2);
    fs::create_directories(host_->root() / "opt/blockvisor");
    write_file_atomically(host_->root() / "opt/blockvisor/blacklist", bad + "\n");
    publish(write_bundle(files_.path(), bad));
    provision_host();
    ASSERT_TRUE(log_says("self update: nothing newer than")) << daemon_log();
    EXPECT_TRUE(mentions(daemon_log(), {bad + " (blacklisted: its update failed on this host)"}));
    // A notice of it changes nothing either.
    const auto notice = api_.admin({"bundle", "publish", write_bundle(files_.path(), next_version(3)).string()});
    ASSERT_EQ(notice.exit_code, 0);
    ASSERT_TRUE(log_says("bundle " + next_version(3) + ": downloaded")) << daemon_log();
    EXPECT_FALSE(mentions(daemon_log(), {"bundle " + bad + ": downloading"}));
}

TEST_F(UpdateCheck, AnUnreachableControlPlaneDoesNotKeepBvdFromStarting) {
    provision_host();
    api_.stop();
    host_->daemon().signal(SIGTERM);
    ASSERT_TRUE(host_->daemon().wait(20s));
    host_->start_daemon();
    EXPECT_TRUE(host_->daemon_answers());
    ASSERT_TRUE(log_says("self update: cannot ask the control plane for bundles")) << daemon_log();
}

TEST_F(UpdateCheck, ABundleSignedByATrustedKeyIsUnpackedAndItsInstallerStartedInASessionOfItsOwn) {
    TestReleaseKey key;
    provision_host();
    trust({key.public_key_base64()});
    ASSERT_TRUE(log_says("self update: nothing newer than")) << daemon_log();
    const auto version = next_version();
    publish(recording_bundle(version, key));
    const auto ran = host_->root() / "opt/blockvisor" / version / "installer-ran";
    ASSERT_TRUE(eventually([&] { return fs::exists(ran); }, 20s)) << daemon_log();
    const auto record = read_file(ran);
    EXPECT_TRUE(mentions(record, {"bv-installer --root " + host_->root().string() + " " + version + "\n"})) << record;
    // Its session is its own (setsid: the session id is its pid), not bvd's.
    const auto stat = read_file("/proc/" + std::to_string(host_->daemon().pid()) + "/stat");
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string state, parent, group, bvd_session;
    fields >> state >> parent >> group >> bvd_session;
    const auto installer_session = record.substr(record.find('\n') + 1, record.size() - record.find('\n') - 2);
    EXPECT_NE(installer_session, bvd_session);
    EXPECT_TRUE(mentions(daemon_log(), {"signature and checksums good", "installer started (pid " + installer_session}))
        << daemon_log();
    EXPECT_TRUE(fs::exists(host_->root() / "var/log/blockvisor/installer.log"));
    EXPECT_FALSE(fs::exists(downloads() / ("blockvisor-" + version + ".tar.gz.part"))) << "the archive goes once unpacked";
}

TEST_F(UpdateCheck, ABundleSignedByAnotherKeyIsRefusedAndNotDownloadedAgain) {
    TestReleaseKey trusted, other;
    provision_host();
    trust({trusted.public_key_base64()});
    ASSERT_TRUE(log_says("self update: nothing newer than")) << daemon_log();
    const auto forged = next_version(2);
    publish(recording_bundle(forged, other));
    ASSERT_TRUE(log_says("self update to " + forged + ": the bundle from")) << daemon_log();
    EXPECT_TRUE(mentions(daemon_log(), {"is refused: ", "nothing installed"})) << daemon_log();
    EXPECT_FALSE(fs::exists(host_->root() / "opt/blockvisor" / forged));
    // Another notice: the newest is the same forged bundle, which is not fetched again.
    publish(recording_bundle(next_version(1), trusted));
    ASSERT_TRUE(log_says("was refused before: not downloaded again")) << daemon_log();
    const auto log = daemon_log();
    std::size_t downloads_of_forged = 0;
    for (auto at = log.find("bundle " + forged + ": downloading"); at != std::string::npos;
         at = log.find("bundle " + forged + ": downloading", at + 1)) {
        ++downloads_of_forged;
    }
    EXPECT_EQ(downloads_of_forged, 1u) << log;
}

// ---- the whole path: first install by the provisioning script, then an update by a notice ----

// The real bundles of the SelfUpdateTestBundles fixture (1.0.0 and 1.1.0, scripts/bundle).
class ProvisionedByScript : public ::testing::Test {
protected:
    ~ProvisionedByScript() override {
        // The installer's bvd is nobody's child here: stopped by its PID.
        if (const auto pid = install::running_bvd_pid(paths())) {
            ::kill(*pid, SIGTERM);
            if (!eventually([&] { return !install::running_bvd_pid(paths()); }, 15s)) ::kill(*pid, SIGKILL);
        }
    }
    HostPaths paths() const { return host_paths(root_.path()); }
    std::optional<std::string> current() const {
        return install::linked_version(install::InstallLayout(paths()).current);
    }
    std::string bv_json(const std::vector<std::string>& args) {
        std::vector<std::string> argv{binary("bv"), "--root", root_.path().string()};
        argv.insert(argv.end(), args.begin(), args.end());
        return run(argv).out;
    }

    ApiUnderTest api_{{"--release-public-key", real_bundle_key()}};
    TempDir root_{"bv-fresh-root"};
};

TEST_F(ProvisionedByScript, TheScriptInstallsTheNewestBundleAndProvisionsThenANoticeUpdatesTheHost) {
    ASSERT_EQ(api_.admin({"bundle", "publish", real_bundle("1.0.0").string()}).exit_code, 0);
    const auto script = "curl -fsS --cacert '" + api_.ca().string() + "' " + api_.url() + "/install.sh | sh -s -- " +
                        api_.otp() + " --root '" + root_.path().string() + "'";
    const auto installed = run({"sh", "-c", script}, 120s);
    ASSERT_EQ(installed.exit_code, 0) << installed.out << installed.err;
    EXPECT_TRUE(mentions(installed.err, {"checked: SHA-256", "step=end version=1.0.0 result=installed",
                                         "done: BlockVisor 1.0.0 runs and this host is provisioned"}))
        << installed.err;
    EXPECT_EQ(current(), "1.0.0");
    ASSERT_TRUE(eventually([&] { return json_field(bv_json({"host", "status", "--json"}), "connected") == "true"; }, 20s))
        << bv_json({"host", "status"});
    EXPECT_EQ(json_field(api_.admin({"hosts", "--json"}).out, "hosts.0.version"), "1.0.0");

    // A release: the notice reaches bvd 1.0.0, which downloads and checks 1.1.0 and starts its
    // installer; the host ends on 1.1.0 and the control plane saw UPDATING, then IDLE.
    ASSERT_EQ(api_.admin({"bundle", "publish", real_bundle("1.1.0").string()}).exit_code, 0);
    ASSERT_TRUE(eventually(
        [&] { return api_.server().err().find("HOST_STATUS_IDLE: installed 1.1.0") != std::string::npos; }, 60s))
        << api_.server().err() << read_file_if_exists(root_.path() / "var/log/blockvisor/installer.log").value_or("");
    const auto log = api_.server().err();
    EXPECT_LT(log.find("HOST_STATUS_UPDATING: updating to 1.1.0"), log.find("HOST_STATUS_IDLE: installed 1.1.0")) << log;
    EXPECT_EQ(current(), "1.1.0");
    EXPECT_TRUE(eventually([&] { return json_field(bv_json({"status", "--json"}), "version") == "1.1.0"; }, 20s));
    const auto bvd_log = read_file(root_.path() / "var/log/blockvisor/bvd.log");
    EXPECT_TRUE(mentions(bvd_log, {"the control plane announced release 1.1.0", "bundle 1.1.0: downloaded and checked",
                                   "self update to 1.1.0: installer started"}))
        << bvd_log;
}

// ---- systemd's notify protocol, from a real bvd ----------------------------------------------

TEST(BvdUnderSystemd, ItSaysReadyOnceItsNodesAreLoadedFeedsTheWatchdogAndSaysStopping) {
    TempDir dir("bv-notify");
    const auto socket_path = (dir.path() / "notify").string();
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, socket_path.data(), socket_path.size());
    ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0) << std::strerror(errno);
    timeval timeout{20, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    const auto next = [&] {
        char buffer[512];
        const auto received = ::recv(fd, buffer, sizeof buffer, 0);
        return received > 0 ? std::string(buffer, static_cast<std::size_t>(received)) : std::string("<nothing>");
    };
    TempDir root("bv-host");
    Process bvd({binary("bvd"), "--root", root.path().string()}, dir.path(),
                {{"NOTIFY_SOCKET", socket_path}, {"WATCHDOG_USEC", "200000"}});
    // The watchdog runs on its own beside the start: its messages come between the others.
    int watchdogs = 0;
    const auto next_status = [&] {
        for (;;) {
            auto message = next();
            if (message != "WATCHDOG=1") return message;
            ++watchdogs;
        }
    };
    EXPECT_EQ(next_status(), "STATUS=checking for updates");
    EXPECT_EQ(next_status(), "STATUS=loading nodes");
    EXPECT_EQ(next_status(), "READY=1\nSTATUS=serving 0 nodes");
    while (watchdogs < 2) {
        ASSERT_EQ(next(), "WATCHDOG=1") << "every half of WATCHDOG_USEC";
        ++watchdogs;
    }
    bvd.signal(SIGTERM);
    EXPECT_EQ(next_status(), "STOPPING=1\nSTATUS=stopping (nodes keep running)");
    EXPECT_TRUE(bvd.wait(20s));
    ::close(fd);
}

}  // namespace
}  // namespace bv::test
