#include "daemon/control/control_plane.hpp"

#include "common/log.hpp"
#include "common/version.hpp"
#include "daemon/control/host_identity.hpp"
#include "rpc/error.hpp"

namespace bv::daemon {

using namespace std::chrono_literals;

ControlPlane::ControlPlane(asio::any_io_executor executor, HostPaths paths, HostConfigStore& config, NodeManager& nodes,
                           ImageStore& images, EventBus& events, MetricsCollector& metrics, OwnedTasks& tasks,
                           ControlPlaneOptions options)
    : executor_(executor),
      paths_(std::move(paths)),
      config_(config),
      nodes_(nodes),
      images_(images),
      tasks_(tasks),
      options_(std::move(options)),
      api_(executor, config),
      key_vault_(api_),
      journal_(paths_.commands_dir),
      runner_(nodes, tasks,
              CommandHooks{
                  .fetch_image = [this](std::string image) { return fetch_image(std::move(image)); },
                  .host_info = [this] { return read_host_identity(paths_.root, config_.get()); },
                  .update_notice =
                      [this](std::string version) -> asio::awaitable<void> {
                          // Completed at once: the check runs on its own (and may restart bvd).
                          if (options_.check_for_update) {
                              options_.check_for_update("the control plane announced release " + version);
                          } else {
                              log::info("control plane: release {} is out; this bvd has no update checker", version);
                          }
                          co_return;
                      },
              }),
      status_(api_, nodes, events, state_, [this] { metrics_.report_soon(); }),
      metrics_(api_, nodes, metrics, state_, options_.metrics_interval),
      stream_(api_, runner_, journal_, state_, tasks, [this] { return connected(); }, options_.stream) {
    journal_.prune(1000);
}

void ControlPlane::start() {
    if (started_ || !api_.provisioned()) return;
    started_ = true;
    nodes_.set_key_vault(&key_vault_);
    log::info("control plane: host {} at {}", config_.get().host_id(), config_.get().api_url());
    tasks_.spawn(executor_, stream_.run(), log::LogFailure{"the control plane's command stream"});
    tasks_.spawn(executor_, status_.run(), log::LogFailure{"the control plane's status updates"});
    tasks_.spawn(executor_, metrics_.run(), log::LogFailure{"the control plane's metrics reports"});
}

asio::awaitable<void> ControlPlane::connected() {
    co_await report_host_status(api::v1::HOST_STATUS_ONLINE, "");
    // What changed while it was away, and what it may have missed: the state of every node.
    status_.resend_all();
    metrics_.report_soon();
}

asio::awaitable<void> ControlPlane::report_host_status(api::v1::HostStatus status, std::string message) {
    api::v1::UpdateHostStatusRequest request;
    request.set_host_id(api_.host_id());
    request.set_status(status);
    request.set_message(std::move(message));
    request.set_version(kVersion);
    co_await api_.call(api::update_host_status, request, 15s);
}

asio::awaitable<std::string> ControlPlane::provision(std::string otp, std::string api_url, std::string ca_file, bool force) {
    if (api_.provisioned() && !force) {
        throw rpc::Error(rpc::Code::failed_precondition,
                         "this host is provisioned already (host " + config_.get().host_id() + " at " +
                             config_.get().api_url() + "); to register it again use --force");
    }
    if (otp.empty()) throw rpc::Error(rpc::Code::invalid_argument, "no one-time password given");
    if (api_url.empty()) throw rpc::Error(rpc::Code::invalid_argument, "no control plane URL given (--api URL)");
    if (!ca_file.empty()) {
        ca_file = std::filesystem::absolute(ca_file).string();
        if (!std::filesystem::is_regular_file(ca_file)) {
            throw rpc::Error(rpc::Code::invalid_argument, "CA file " + ca_file + " does not exist");
        }
    }
    api::v1::ProvisionRequest request;
    request.set_otp(otp);
    *request.mutable_info() = read_host_identity(paths_.root, config_.get());
    const auto response = co_await ApiClient::provision(executor_, api_url, ca_file, request);
    if (response.host_id().empty() || response.tokens().access_token().empty()) {
        throw rpc::Error(rpc::Code::internal, "the control plane answered without a host id or token");
    }
    try {
        config_.update([&](auto& changed) {
            changed.set_host_id(response.host_id());
            changed.set_api_url(api_url);
            changed.set_api_ca_file(ca_file);
            changed.set_token(response.tokens().access_token());
            changed.set_token_expires_at_ms(response.tokens().access_token_expires_at_ms());
            changed.set_refresh_token(response.tokens().refresh_token());
        });
    } catch (const std::exception& error) {
        throw rpc::Error(rpc::Code::internal, std::string("provisioned, but the host config could not be saved: ") +
                                                  error.what() + " (free the disk and run bv init again)");
    }
    log::info("control plane: provisioned as host {} at {}", response.host_id(), api_url);
    if (options_.check_for_update) options_.check_for_update("the host was provisioned");
    if (started_) {
        stream_.reconnect_now();
    } else {
        start();
    }
    co_return response.host_id();
}

asio::awaitable<void> ControlPlane::fetch_image(std::string image) {
    try {
        images_.find(image);
        co_return;
    } catch (const rpc::Error& error) {
        if (error.code() != rpc::Code::not_found) throw;
    }
    api::v1::LocateImageRequest request;
    request.set_image(image);
    const auto where = co_await api_.call(api::locate_image, request, 30s);
    if (!options_.download_image) {
        throw rpc::Error(rpc::Code::failed_precondition, "image " + image + " is not in the cache and this bvd cannot download images");
    }
    co_await options_.download_image(image, where);
}

}  // namespace bv::daemon
