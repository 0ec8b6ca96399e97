#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <map>
#include <string>

#include "blockvisor/v1/host_metrics.pb.h"
#include "blockvisor/v1/node.pb.h"
#include "daemon/node_manager.hpp"

namespace bv::daemon {

// Reads the well-known values of every running node (height, block_age, peers, sync_status,
// ...: those its image has) through babel, with short timeouts, and keeps the last reading;
// samples the host's CPU, memory, disk and load.
class MetricsCollector {
public:
    MetricsCollector(NodeManager& nodes, std::filesystem::path root, std::chrono::milliseconds interval);

    // Collects every `interval` until cancelled.
    asio::awaitable<void> run();
    // The last reading of a node; read now when there is none or it is older than the interval.
    asio::awaitable<v1::NodeMetrics> node_metrics(std::string node);
    v1::HostMetrics host_metrics() const;
    // The last reading of each node, by id, without reading anything (for /metrics).
    const std::map<std::string, v1::NodeMetrics>& last_readings() const { return cache_; }

    static constexpr std::chrono::milliseconds kMethodTimeout{3000};

private:
    asio::awaitable<v1::NodeMetrics> collect(std::string node_id);
    void sample_host();

    NodeManager& nodes_;
    std::filesystem::path root_;
    std::chrono::milliseconds interval_;
    std::map<std::string, v1::NodeMetrics> cache_;
    v1::HostMetrics host_;
    std::uint64_t last_cpu_total_ = 0;
    std::uint64_t last_cpu_idle_ = 0;
};

}  // namespace bv::daemon
