#pragma once

#include "blockvisor/v1/host_metrics.pb.h"
#include "daemon/metrics_collector.hpp"
#include "rpc/router.hpp"

namespace bv::daemon {

// blockvisor.v1.MetricsService: the host's metrics, as the collector last sampled them.
class MetricsService {
public:
    explicit MetricsService(MetricsCollector& metrics) : metrics_(metrics) {}
    void register_with(rpc::Router& router);

    asio::awaitable<v1::HostMetrics> host(v1::HostMetricsRequest request, rpc::CallContext&);

private:
    MetricsCollector& metrics_;
};

}  // namespace bv::daemon
