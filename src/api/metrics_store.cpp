#include "api/metrics_store.hpp"

namespace bv::api {

void MetricsStore::save(const std::string& host_id, const v1::ReportMetricsRequest& report, std::int64_t now_ms) {
    Transaction transaction(db_);
    if (report.has_host()) {
        db_.run("INSERT INTO host_metrics (host_id, report, at_ms) VALUES (?, ?, ?) "
                "ON CONFLICT (host_id) DO UPDATE SET report = excluded.report, at_ms = excluded.at_ms",
                host_id, Blob{report.host().SerializeAsString()}, now_ms);
    }
    for (const auto& node : report.nodes()) {
        db_.run("INSERT INTO node_metrics (node_id, host_id, report, at_ms) "
                "SELECT id, host_id, ?, ? FROM nodes WHERE id = ? AND host_id = ? "
                "ON CONFLICT (node_id) DO UPDATE SET report = excluded.report, at_ms = excluded.at_ms",
                Blob{node.SerializeAsString()}, now_ms, node.node_id(), host_id);
    }
    transaction.commit();
}

std::optional<LatestMetrics<v1::HostMetrics>> MetricsStore::of_host(const std::string& host_id) {
    auto found = db_.query("SELECT report, at_ms FROM host_metrics WHERE host_id = ?", host_id);
    if (!found.step()) return std::nullopt;
    return LatestMetrics<v1::HostMetrics>{message_column<v1::HostMetrics>(found, 0), found.integer(1)};
}

std::optional<LatestMetrics<v1::NodeMetrics>> MetricsStore::of_node(const std::string& node_id) {
    auto found = db_.query("SELECT report, at_ms FROM node_metrics WHERE node_id = ?", node_id);
    if (!found.step()) return std::nullopt;
    return LatestMetrics<v1::NodeMetrics>{message_column<v1::NodeMetrics>(found, 0), found.integer(1)};
}

}  // namespace bv::api
