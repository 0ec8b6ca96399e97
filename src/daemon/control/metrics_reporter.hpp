#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>

#include "daemon/control/api_client.hpp"
#include "daemon/control/control_plane_state.hpp"
#include "daemon/metrics_collector.hpp"

namespace bv::daemon {

// Reports the host's and its running nodes' metrics (as the collector last read them) to the
// control plane every `interval`, give or take a tenth (jitter), while connected; and soon
// after a connection or a node starting, so that the control plane sees a new node's values
// without waiting a whole interval.
class MetricsReporter {
public:
    MetricsReporter(ApiClient& api, NodeManager& nodes, MetricsCollector& metrics, ControlPlaneState& state,
                    std::chrono::milliseconds interval);
    asio::awaitable<void> run();
    // Reports in a few seconds (once babel of a node just started answers).
    void report_soon() { soon_.notify_all(); }

private:
    asio::awaitable<void> report();

    ApiClient& api_;
    NodeManager& nodes_;
    MetricsCollector& metrics_;
    ControlPlaneState& state_;
    std::chrono::milliseconds interval_;
    Notifier soon_;
};

}  // namespace bv::daemon
