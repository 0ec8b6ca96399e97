#include "daemon/host_service.hpp"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/log.hpp"
#include "common/system_info.hpp"
#include "common/version.hpp"
#include "daemon/host_contract.hpp"

namespace bv::daemon {

namespace {
constexpr std::uint32_t kMaxSleepMs = 60'000;
constexpr std::uint32_t kDefaultDrainTimeoutMs = 60'000;
}

HostService::HostService(HostPaths paths, const HostConfigStore& config,
                         ControlPlane& control_plane, OperationGate& operations)
    : paths_(std::move(paths)),
      config_(config),
      control_plane_(control_plane),
      operations_(operations) {}

void HostService::register_with(rpc::Router& router) {
    router.add(host_api::health, this, &HostService::health);
    router.add(host_api::update_starting, this, &HostService::update_starting);
    router.add(host_api::update_ended, this, &HostService::update_ended);
    router.unary("blockvisor.v1.HostService/Info", this, &HostService::info);
    router.unary("blockvisor.v1.HostService/Provision", this, &HostService::provision);
    router.unary("blockvisor.v1.HostService/ControlPlaneStatus", this, &HostService::control_plane_status);
}

asio::awaitable<v1::HealthResponse> HostService::health(v1::HealthRequest, rpc::CallContext&) {
    v1::HealthResponse response;
    response.set_status("ok");
    response.set_version(kVersion);
    co_return response;
}

asio::awaitable<v1::InfoResponse> HostService::info(v1::InfoRequest, rpc::CallContext&) {
    const auto system = read_system_info(paths_.root);
    v1::InfoResponse response;
    response.set_version(kVersion);
    response.set_uptime_seconds(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_).count()));
    response.set_hostname(system.hostname);
    set_capacity(response, system);
    response.set_root(paths_.root.string());
    response.set_kernel(system.kernel);
    response.set_backend(config_.get().backend());
    response.set_host_id(config_.get().host_id());
    response.set_host_uptime_seconds(system.uptime_seconds);
    co_return response;
}

asio::awaitable<v1::ProvisionResponse> HostService::provision(v1::ProvisionRequest request, rpc::CallContext&) {
    v1::ProvisionResponse response;
    response.set_host_id(co_await control_plane_.provision(request.otp(), request.api_url(), request.ca_file(), request.force()));
    response.set_api_url(request.api_url());
    co_return response;
}

asio::awaitable<v1::ControlPlaneStatusResponse> HostService::control_plane_status(v1::ControlPlaneStatusRequest,
                                                                                  rpc::CallContext&) {
    const auto& state = control_plane_.state();
    const auto& config = config_.get();
    v1::ControlPlaneStatusResponse response;
    response.set_provisioned(control_plane_.provisioned());
    response.set_host_id(config.host_id());
    response.set_api_url(config.api_url());
    response.set_connected(state.connected);
    response.set_connected_since_ms(state.connected ? state.connected_since_ms : 0);
    response.set_last_error(state.last_error);
    response.set_last_error_at_ms(state.last_error_at_ms);
    response.set_connections(state.connections);
    response.set_commands_acked(state.commands_acked);
    response.set_commands_completed(state.commands_completed);
    response.set_pending_status_updates(static_cast<std::uint32_t>(state.pending_status_updates));
    response.set_token_expires_at_ms(config.token_expires_at_ms());
    co_return response;
}

asio::awaitable<void> HostService::tell_control_plane(api::v1::HostStatus status,
                                                      std::string message) {
    if (!control_plane_.provisioned()) co_return;
    std::string failure;
    try {
        co_await control_plane_.report_host_status(status, std::move(message));
    } catch (const std::exception& error) {
        failure = error.what();
    }
    if (!failure.empty()) {
        log::warn("self update: cannot tell the control plane the host is {}: {}",
                  api::v1::HostStatus_Name(status), failure);
    }
}

asio::awaitable<v1::UpdateStartingResponse> HostService::update_starting(
    v1::UpdateStartingRequest request, rpc::CallContext&) {
    const auto version =
        request.version().empty() ? std::string("a new version") : request.version();
    log::info("self update to {} starting: node operations are refused until it ends", version);
    operations_.close("a self update to " + version + " is in progress");
    co_await tell_control_plane(api::v1::HOST_STATUS_UPDATING, "updating to " + version);
    const auto timeout =
        request.drain_timeout_ms() == 0 ? kDefaultDrainTimeoutMs : request.drain_timeout_ms();
    const bool drained = co_await operations_.drained(asio::steady_timer::clock_type::now() +
                                                      std::chrono::milliseconds(timeout));
    if (!drained) {
        log::warn(
            "self update: {} node operations still run after {} ms; bvd restarts anyway (their "
            "nodes stay)",
            operations_.in_flight(), timeout);
    }
    v1::UpdateStartingResponse response;
    response.set_operations_in_flight(static_cast<std::uint32_t>(operations_.in_flight()));
    co_return response;
}

asio::awaitable<v1::UpdateEndedResponse> HostService::update_ended(v1::UpdateEndedRequest request,
                                                                   rpc::CallContext&) {
    log::info("self update ended: {}", request.message());
    operations_.open();
    co_await tell_control_plane(api::v1::HOST_STATUS_IDLE, request.message());
    co_return v1::UpdateEndedResponse();
}

void register_test_hooks(rpc::Router& router) {
    router.unary<v1::SleepRequest, v1::SleepResponse>(
        "blockvisor.v1.TestHooksService/Sleep",
        [](v1::SleepRequest request, rpc::CallContext&) -> asio::awaitable<v1::SleepResponse> {
            asio::steady_timer delay(
                co_await asio::this_coro::executor,
                std::chrono::milliseconds(std::min(request.delay_ms(), kMaxSleepMs)));
            co_await delay.async_wait(asio::use_awaitable);
            co_return v1::SleepResponse();
        });
}

}  // namespace bv::daemon
