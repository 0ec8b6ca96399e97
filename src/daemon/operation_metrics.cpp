#include "daemon/operation_metrics.hpp"

#include <algorithm>

namespace bv::daemon {

std::string_view operation_name(NodeOperation operation) {
    switch (operation) {
        case NodeOperation::create: return "create";
        case NodeOperation::start: return "start";
        case NodeOperation::stop: return "stop";
        case NodeOperation::restart: return "restart";
        case NodeOperation::upgrade: return "upgrade";
        case NodeOperation::remove: return "delete";
        case NodeOperation::recover: return "recover";
    }
    return "unknown";
}

std::string_view result_name(OperationResult result) { return result == OperationResult::success ? "success" : "error"; }

void OperationMetrics::record(NodeOperation operation, OperationResult result, std::chrono::duration<double> took) {
    ++counts_[index(operation)][static_cast<std::size_t>(result)];
    auto& histogram = histograms_[index(operation)];
    const auto seconds = took.count();
    const auto bucket = std::ranges::lower_bound(kBucketBounds, seconds) - kBucketBounds.begin();
    // Beyond the last bound: only in the +Inf bucket, which is the count.
    if (static_cast<std::size_t>(bucket) < kBucketBounds.size()) ++histogram.buckets[bucket];
    ++histogram.count;
    histogram.sum_seconds += seconds;
}

std::uint64_t OperationMetrics::count(NodeOperation operation, OperationResult result) const {
    return counts_[index(operation)][static_cast<std::size_t>(result)];
}

const OperationMetrics::Histogram& OperationMetrics::histogram(NodeOperation operation) const {
    return histograms_[index(operation)];
}

void OperationMetrics::Timing::finish(OperationResult result) {
    if (metrics_ == nullptr) return;
    metrics_->record(operation_, result, std::chrono::steady_clock::now() - started_);
    metrics_ = nullptr;
}

}  // namespace bv::daemon
