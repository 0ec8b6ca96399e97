#include "api/metrics_service.hpp"

#include "api/authentication.hpp"

namespace bv::api {

void MetricsService::register_with(rpc::Router& router) {
    router.unary("blockvisor.api.v1.MetricsService/Report", this, &MetricsService::report);
}

asio::awaitable<v1::ReportMetricsResponse> MetricsService::report(v1::ReportMetricsRequest request,
                                                                   rpc::CallContext& call) {
    const auto now = context_.now_ms();
    const auto host_id = authenticate_host(context_.store.hosts, call, request.host_id(), now);
    context_.store.metrics.save(host_id, request, now);
    co_return v1::ReportMetricsResponse();
}

}  // namespace bv::api
