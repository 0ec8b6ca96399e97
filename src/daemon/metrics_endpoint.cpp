#include "daemon/metrics_endpoint.hpp"

#include "common/version.hpp"
#include "daemon/daemon_metrics.hpp"

namespace bv::daemon {

void MetricsEndpoint::register_with(rpc::Router& router) {
    router.page("/metrics", [this] { return metrics_page(); });
    router.page("/livez", [] { return rpc::Page{200, "text/plain; charset=utf-8", "ok\n"}; });
    router.page("/readyz", [this] { return readiness_page(); });
}

rpc::Page MetricsEndpoint::metrics_page() const {
    const auto host = metrics_.host_metrics();
    const auto nodes = nodes_.list();
    const DaemonMetricsView view{kVersion,
                                 host,
                                 nodes,
                                 metrics_.last_readings(),
                                 nodes_.operation_metrics(),
                                 control_plane_.provisioned(),
                                 control_plane_.state()};
    return {200, std::string(kPrometheusContentType), format_prometheus_text(daemon_metric_families(view))};
}

rpc::Page MetricsEndpoint::readiness_page() const {
    if (ready_) return {200, "text/plain; charset=utf-8", "ready\n"};
    return {503, "text/plain; charset=utf-8", "not ready: bvd is loading its nodes or shutting down\n"};
}

}  // namespace bv::daemon
