#include "daemon/metrics_service.hpp"

namespace bv::daemon {

void MetricsService::register_with(rpc::Router& router) {
    router.unary("blockvisor.v1.MetricsService/Host", this, &MetricsService::host);
}

asio::awaitable<v1::HostMetrics> MetricsService::host(v1::HostMetricsRequest, rpc::CallContext&) {
    co_return metrics_.host_metrics();
}

}  // namespace bv::daemon
