#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <string>

#include "common/owned_tasks.hpp"
#include "daemon/control/api_client.hpp"
#include "daemon/control/command_journal.hpp"
#include "daemon/control/command_runner.hpp"
#include "daemon/control/command_stream.hpp"
#include "daemon/control/control_plane_state.hpp"
#include "daemon/control/key_vault.hpp"
#include "daemon/control/metrics_reporter.hpp"
#include "daemon/control/status_reporter.hpp"
#include "daemon/image_store.hpp"
#include "daemon/metrics_collector.hpp"
#include "host/paths.hpp"

namespace bv::daemon {

struct ControlPlaneOptions {
    std::chrono::milliseconds metrics_interval{30'000};
    CommandStreamOptions stream;
    // Downloads an image the control plane located (the image downloader); the node's create
    // fails with its error.
    std::function<asio::awaitable<void>(std::string image, api::v1::LocateImageResponse where)> download_image;
    // Asks the update checker to check now, saying why: a HostUpdateNotice came, or the host
    // was just provisioned. Empty: only logged.
    std::function<void(const std::string& why)> check_for_update;
};

// bvd as a fleet agent: provisioning, the command stream, status updates, metrics and the
// key exchange, all over one ApiClient. Does nothing until the host is provisioned; running
// nodes never depend on it (a control plane away for hours changes nothing on the host).
class ControlPlane {
public:
    ControlPlane(asio::any_io_executor executor, HostPaths paths, HostConfigStore& config, NodeManager& nodes,
                 ImageStore& images, EventBus& events, MetricsCollector& metrics, OwnedTasks& tasks,
                 ControlPlaneOptions options);

    // Starts the loops when the host is provisioned (else provision() does).
    void start();
    // Registers the host with a one-time password and saves its id and tokens; refuses a
    // provisioned host unless `force`. Nothing is saved when it fails. Returns the host id.
    asio::awaitable<std::string> provision(std::string otp, std::string api_url, std::string ca_file, bool force);
    // The host's own status (online, updating, idle, broken), sent now when connected.
    asio::awaitable<void> report_host_status(api::v1::HostStatus status, std::string message);

    const ControlPlaneState& state() const { return state_; }
    bool provisioned() const { return api_.provisioned(); }
    // The authenticated client, for the update checker's calls.
    ApiClient& api() { return api_; }
    const v1::HostConfig& config() const { return config_.get(); }

private:
    asio::awaitable<void> connected();
    asio::awaitable<void> fetch_image(std::string image);

    asio::any_io_executor executor_;
    HostPaths paths_;
    HostConfigStore& config_;
    NodeManager& nodes_;
    ImageStore& images_;
    OwnedTasks& tasks_;
    ControlPlaneOptions options_;
    ControlPlaneState state_;
    ApiClient api_;
    ControlPlaneKeyVault key_vault_;
    CommandJournal journal_;
    CommandRunner runner_;
    StatusReporter status_;
    MetricsReporter metrics_;
    CommandStream stream_;
    bool started_ = false;
};

}  // namespace bv::daemon
