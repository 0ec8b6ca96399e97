#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/child_processes.hpp"
#include "common/notifier.hpp"
#include "daemon/control/api_client.hpp"
#include "daemon/resumable_download.hpp"
#include "host/host_config.hpp"
#include "host/paths.hpp"
#include "install/installer_plan.hpp"
#include "install/layout.hpp"

namespace bv::daemon {

// Checks a downloaded bundle's signature against `trusted_keys` and every file's checksum, and
// unpacks it into `destination` (left absent when anything is wrong). Throws std::runtime_error
// saying what was wrong. Default: install::unpack_bundle.
using BundleUnpacker = std::function<void(const std::filesystem::path& archive, const std::filesystem::path& destination,
                                          const std::vector<std::string>& trusted_keys)>;

BundleUnpacker default_bundle_unpacker();

struct UpdateCheckerOptions {
    std::string running_version;
    BundleUnpacker unpack = default_bundle_unpacker();
    DownloadOptions download;
    // Before the first check at bvd's start, the rest of the start waits this long at most.
    std::chrono::milliseconds start_check_bound{5'000};
    std::chrono::milliseconds list_timeout{15'000};
};

// What one check did.
enum class UpdateCheckOutcome {
    not_provisioned,    // no control plane to ask
    unreachable,        // the listing failed (logged); the next check tries again
    up_to_date,         // nothing to take
    installer_running,  // an installer runs already: nothing is started beside it
    refused,            // the download or the bundle was refused (logged): nothing installed
    installer_started,
};
std::string_view outcome_name(UpdateCheckOutcome outcome);

// bvd's self-update checker (docs/self-update.md): at bvd's start, every
// update_check_interval_s (± a tenth) and at once on a HostUpdateNotice, it asks the control
// plane for bundles, takes the newest allowed one (choose_update), downloads it into
// var/lib/blockvisor/downloads/ (resumable, SHA-256 checked), unpacks it into
// opt/blockvisor/<version> (signature checked against the host config's release_public_keys)
// and starts that bundle's installer in a session of its own, so that the installer outlives
// the bvd it restarts. An installer run that was cut short (installer.json unfinished, no
// installer running) is started again, to finish or roll back.
class UpdateChecker {
public:
    UpdateChecker(HostPaths paths, HostConfigStore& config, ApiClient& api, ChildProcesses& children,
                  UpdateCheckerOptions options);

    // Checks at once, then at every interval or notice, until cancelled.
    asio::awaitable<void> run();
    // Check now (or right after the check under way): a HostUpdateNotice came, or the host was
    // provisioned. `why` goes to the log.
    void check_soon(const std::string& why);
    // Completes once the first check has decided (or after `bound`): bvd's start goes on then,
    // whatever the control plane does.
    asio::awaitable<void> first_check_decided(std::chrono::milliseconds bound);

    // One check, as run() makes them.
    asio::awaitable<UpdateCheckOutcome> check();
    // The last bundle download's counters (bytes fetched over the network: less than the
    // bundle's size when it resumed).
    const DownloadCounters& last_download() const { return last_download_; }

    // Whether a bv-installer of this root runs (started here, or by another installer: a
    // rollback hands over to the backup's installer). Read from /proc, so that it holds across
    // bvd restarts.
    bool installer_running() const;

private:
    asio::awaitable<UpdateCheckOutcome> take(const api::v1::Bundle& bundle);
    void start_installer(const std::string& version, const std::filesystem::path& bundle_dir);

    // installer.json's run when it has not ended (the installer was killed, or runs now).
    std::optional<install::InstallRun> unfinished_run() const;

    HostPaths paths_;
    install::InstallLayout layout_;
    HostConfigStore& config_;
    ApiClient& api_;
    ChildProcesses& children_;
    UpdateCheckerOptions options_;
    Notifier wake_;
    bool wake_pending_ = false;
    Notifier decided_;
    bool first_decided_ = false;
    // Archives refused in this run of bvd (bad signature, hostile content), by SHA-256: not
    // downloaded again until the control plane offers other bytes.
    std::set<std::string> refused_;
    DownloadCounters last_download_;
};

}  // namespace bv::daemon
