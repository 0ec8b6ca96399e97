// Self update's cost, measured in one run (docs/self-update.md), excluding the download and
// the unpacking: from the installer's start (what bvd's update checker launches on a notice)
// to the new bvd answering as the new version, against a plain restart of bvd (stop, start,
// answering); and a rollback (a new version whose bvd crashes at start, back to the old one,
// answering). The real bundles come from the SelfUpdateTestBundles fixture (scripts/bench
// makes them first).
//
// Usage: self_update_bench [rounds]

#include <fmt/format.h>
#include <signal.h>

#include <boost/json.hpp>
#include <cstdio>

#include "common/files.hpp"
#include "install/bundle.hpp"
#include "install/layout.hpp"
#include "install/run/service_manager.hpp"
#include "support/bench_stats.hpp"
#include "support/host_under_test.hpp"
#include "support/process.hpp"
#include "support/test_bundles.hpp"

namespace {

using namespace bv;
using namespace bv::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Round {
    double restart_ms;
    double update_ms;
    double rollback_ms;
};

bool answers_as(const HostUnderTest& host, const std::string& version) {
    const auto status = host.bv({"status", "--json"});
    if (status.exit_code != 0) return false;
    return boost::json::value_to<std::string>(boost::json::parse(status.out).at("version")) ==
           version;
}

ProcessResult installer(const HostUnderTest& host, std::vector<std::string> args) {
    std::vector<std::string> argv{
        binary("blockvisor"), "bv-installer", "--root",           host.root().string(),
        "--service-manager",  "process",      "--health-timeout", "30"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(std::move(argv), 120s);
}

void require(bool condition, const std::string& what) {
    if (!condition) throw std::runtime_error(what);
}

// `broken_key`: what the broken bundle is signed with (the real bundles' private key is not ours).
Round one_round(const fs::path& broken, const std::string& broken_key) {
    HostUnderTest host(WithoutDaemon{});
    const auto paths = host_paths(host.root());
    fs::create_directories(host.root() / "etc/blockvisor");
    write_file_atomically(paths.config_file, "{\"releasePublicKeys\":[\"" + real_bundle_key() +
                                                 "\",\"" + broken_key + "\"]}");
    require(installer(host, {"--bundle", real_bundle("1.0.0").string()}).exit_code == 0,
            "installing 1.0.0");
    require(eventually([&] { return answers_as(host, "1.0.0"); }, 20s), "1.0.0 answering");

    Round round{};
    // A plain restart: SIGTERM, gone, started again, answering.
    auto started = Clock::now();
    const auto pid = install::running_bvd_pid(paths);
    require(pid.has_value(), "a running bvd");
    ::kill(*pid, SIGTERM);
    require(eventually([&] { return !install::running_bvd_pid(paths); }, 30s), "bvd stopping");
    Process bvd({(install::InstallLayout(paths).current / "bin/blockvisor").string(), "bvd",
                 "--root", host.root().string()},
                host.root());
    require(eventually([&] { return answers_as(host, "1.0.0"); }, 30s),
            "bvd answering after a restart");
    round.restart_ms = milliseconds_since(started);
    bvd.signal(SIGTERM);
    bvd.wait(30s);
    require(installer(host, {"1.0.0"}).exit_code == 0, "1.0.0 started by the installer again");

    install::unpack_bundle(real_bundle("1.1.0"), install::InstallLayout(paths).version_dir("1.1.0"),
                           {real_bundle_key()});
    started = Clock::now();
    const auto update = installer(host, {"1.1.0"});
    round.update_ms = milliseconds_since(started);
    require(update.exit_code == 0 && answers_as(host, "1.1.0"),
            "the update to 1.1.0: " + update.err);

    started = Clock::now();
    const auto rollback = installer(host, {"--bundle", broken.string()});
    round.rollback_ms = milliseconds_since(started);
    require(rollback.exit_code == 1 && answers_as(host, "1.1.0"),
            "the rollback to 1.1.0: " + rollback.err);
    if (const auto last = install::running_bvd_pid(paths)) {
        ::kill(*last, SIGTERM);
        eventually([&] { return !install::running_bvd_pid(paths); }, 30s);
    }
    return round;
}

}  // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
    try {
        const TempDir work("bv-bench-bundles");
        const TestReleaseKey key;
        const auto broken =
            broken_bundle(work.path(), "1.2.0", "1.1.0", Breakage::crash_at_start, key);
        std::vector<double> restart, update, rollback;
        for (int i = 0; i < rounds; ++i) {
            const auto round = one_round(broken, key.public_key_base64());
            restart.push_back(round.restart_ms);
            update.push_back(round.update_ms);
            rollback.push_back(round.rollback_ms);
        }
        fmt::print(
            "plain bvd restart (stop, start, answering):       median {:.0f} ms, max {:.0f} ms\n",
            median(restart), percentile(restart, 1.0));
        fmt::print(
            "update 1.0.0 -> 1.1.0 (installer start -> healthy): median {:.0f} ms, max {:.0f} ms "
            "(goal < 5000)\n",
            median(update), percentile(update, 1.0));
        fmt::print(
            "failed update 1.2.0, rolled back to 1.1.0:          median {:.0f} ms, max {:.0f} ms "
            "(goal < 10000)\n",
            median(rollback), percentile(rollback, 1.0));
        fmt::print("rounds: {}\n", rounds);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "self_update_bench: %s\n", error.what());
        return 1;
    }
    return 0;
}
