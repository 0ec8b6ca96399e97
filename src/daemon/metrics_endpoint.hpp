#pragma once

#include "daemon/control/control_plane.hpp"
#include "daemon/metrics_collector.hpp"
#include "daemon/node_manager.hpp"
#include "rpc/router.hpp"

namespace bv::daemon {

// bvd's pages for Prometheus and for health checks, served on `metrics_listen`:
// /metrics (the text exposition format, from what bvd's parts last saw: a scrape reads no
// node), /livez (200 while bvd answers) and /readyz (200 once the nodes are loaded and until
// shutdown, else 503).
class MetricsEndpoint {
public:
    MetricsEndpoint(const NodeManager& nodes, const MetricsCollector& metrics, const ControlPlane& control_plane)
        : nodes_(nodes), metrics_(metrics), control_plane_(control_plane) {}

    void register_with(rpc::Router& router);
    void set_ready(bool ready) { ready_ = ready; }

    rpc::Page metrics_page() const;
    rpc::Page readiness_page() const;

private:
    const NodeManager& nodes_;
    const MetricsCollector& metrics_;
    const ControlPlane& control_plane_;
    bool ready_ = false;
};

}  // namespace bv::daemon
