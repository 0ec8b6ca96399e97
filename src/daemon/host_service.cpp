#include "daemon/host_service.hpp"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/system_info.hpp"
#include "common/version.hpp"

namespace bv::daemon {

namespace {
constexpr std::uint32_t kMaxHealthDelayMs = 60'000;
}

HostService::HostService(HostPaths paths, const v1::HostConfig& config) : paths_(std::move(paths)), config_(config) {}

void HostService::register_with(rpc::Router& router) {
    router.unary("blockvisor.v1.HostService/Health", this, &HostService::health);
    router.unary("blockvisor.v1.HostService/Info", this, &HostService::info);
}

asio::awaitable<v1::HealthResponse> HostService::health(v1::HealthRequest request, rpc::CallContext&) {
    if (request.delay_ms() > 0) {
        asio::steady_timer delay(co_await asio::this_coro::executor,
                                 std::chrono::milliseconds(std::min(request.delay_ms(), kMaxHealthDelayMs)));
        co_await delay.async_wait(asio::use_awaitable);
    }
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
    response.set_backend(config_.backend());
    response.set_host_id(config_.host_id());
    response.set_host_uptime_seconds(system.uptime_seconds);
    co_return response;
}

}  // namespace bv::daemon
