#pragma once

#include <boost/asio/awaitable.hpp>

#include "api/service_context.hpp"
#include "rpc/router.hpp"

namespace bv::api {

namespace asio = boost::asio;

// blockvisor.api.v1.MetricsService: the latest metrics of each host and node.
class MetricsService {
public:
    explicit MetricsService(ServiceContext& context) : context_(context) {}
    void register_with(rpc::Router& router);

    asio::awaitable<v1::ReportMetricsResponse> report(v1::ReportMetricsRequest request, rpc::CallContext& call);

private:
    ServiceContext& context_;
};

}  // namespace bv::api
