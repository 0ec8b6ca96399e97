#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string_view>
#include <utility>

namespace bv::daemon {

// The node operations bvd counts and times for /metrics, whoever asked for them (bv or the
// control plane).
enum class NodeOperation { create, start, stop, restart, upgrade, remove, recover };
inline constexpr std::array kNodeOperations{NodeOperation::create,  NodeOperation::start,   NodeOperation::stop,
                                            NodeOperation::restart, NodeOperation::upgrade, NodeOperation::remove,
                                            NodeOperation::recover};
// The name in metric labels: "create", ..., "delete", "recover".
std::string_view operation_name(NodeOperation operation);

enum class OperationResult { success, error };
std::string_view result_name(OperationResult result);

// Counts and latency histograms of node operations. A start can take minutes (a chain's
// init), a stop of a stopped node a millisecond: the buckets span both.
class OperationMetrics {
public:
    static constexpr std::array<double, 12> kBucketBounds{0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};

    struct Histogram {
        std::array<std::uint64_t, kBucketBounds.size()> buckets{};  // not cumulative
        std::uint64_t count = 0;
        double sum_seconds = 0;
    };

    void record(NodeOperation operation, OperationResult result, std::chrono::duration<double> took);
    std::uint64_t count(NodeOperation operation, OperationResult result) const;
    const Histogram& histogram(NodeOperation operation) const;

    // Times one operation from here: recorded as an error when it ends (its coroutine
    // throws or is cancelled) before succeeded().
    class Timing {
    public:
        Timing(OperationMetrics& metrics, NodeOperation operation)
            : metrics_(&metrics), operation_(operation), started_(std::chrono::steady_clock::now()) {}
        Timing(const Timing&) = delete;
        Timing& operator=(const Timing&) = delete;
        ~Timing() { finish(OperationResult::error); }
        // Records the success; returns `value`, for `co_return timing.succeeded(info)`.
        template <class Value>
        Value succeeded(Value value) {
            finish(OperationResult::success);
            return value;
        }
        void succeeded() { finish(OperationResult::success); }

    private:
        void finish(OperationResult result);
        OperationMetrics* metrics_;
        NodeOperation operation_;
        std::chrono::steady_clock::time_point started_;
    };
    Timing time(NodeOperation operation) { return Timing(*this, operation); }

private:
    static std::size_t index(NodeOperation operation) { return static_cast<std::size_t>(operation); }
    std::array<std::array<std::uint64_t, 2>, kNodeOperations.size()> counts_{};
    std::array<Histogram, kNodeOperations.size()> histograms_{};
};

}  // namespace bv::daemon
