#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "blockvisor/v1/host_metrics.pb.h"
#include "blockvisor/v1/node.pb.h"
#include "daemon/control/control_plane_state.hpp"
#include "daemon/operation_metrics.hpp"
#include "daemon/prometheus_text.hpp"

namespace bv::daemon {

// What bvd's /metrics shows, as its parts last saw it.
struct DaemonMetricsView {
    std::string_view version;
    const blockvisor::v1::HostMetrics& host;
    const std::vector<blockvisor::v1::NodeInfo>& nodes;
    // The metrics collector's last reading of each node, by node id.
    const std::map<std::string, blockvisor::v1::NodeMetrics>& readings;
    const OperationMetrics& operations;
    bool provisioned;
    const ControlPlaneState& control_plane;
};

// The metric families of /metrics (names per https://prometheus.io/docs/practices/naming/:
// blockvisor_ prefix, base units, _total counters). Node metrics carry node_id, node_name and
// image labels; a chain's values (height, peers, ...) only for running nodes whose image has
// the method and whose last reading was a number.
std::vector<MetricFamily> daemon_metric_families(const DaemonMetricsView& view);

}  // namespace bv::daemon
