#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "api/database.hpp"
#include "api/messages.hpp"

namespace bv::api {

template <class Metrics>
struct LatestMetrics {
    Metrics metrics;
    std::int64_t at_ms = 0;  // when bv-api received them
};

// The latest metrics report of every host and every node (older reports are not kept).
class MetricsStore {
public:
    explicit MetricsStore(Database& db) : db_(db) {}

    // One transaction: the host's metrics and those of each of its nodes. Nodes that bv-api does
    // not know as the host's are left out.
    void save(const std::string& host_id, const v1::ReportMetricsRequest& report, std::int64_t now_ms);
    std::optional<LatestMetrics<v1::HostMetrics>> of_host(const std::string& host_id);
    std::optional<LatestMetrics<v1::NodeMetrics>> of_node(const std::string& node_id);

private:
    Database& db_;
};

}  // namespace bv::api
