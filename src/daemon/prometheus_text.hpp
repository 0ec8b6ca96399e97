#pragma once

// Prometheus' text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): what /metrics answers.
// Debian's prometheus-cpp has no static library and bvd is static, so the format is written here;
// it is small, and promtool checks it in the tests.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bv::daemon {

inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

enum class MetricType { counter, gauge, histogram };

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

struct MetricSample {
    std::string suffix;  // "" or, for histograms, "_bucket", "_sum", "_count"
    MetricLabels labels;
    double value = 0;
};

// One metric: its name (units as a suffix: _seconds, _bytes, _total for counters), help, type
// and samples. Build it with the functions below.
struct MetricFamily {
    std::string name;
    std::string help;
    MetricType type = MetricType::gauge;
    std::vector<MetricSample> samples;

    MetricFamily& add(MetricLabels labels, double value);
    // One histogram: `bucket_counts[i]` observations were at most `upper_bounds[i]` (not
    // cumulative; this adds them up), `count` in all (the +Inf bucket), summing to `sum`.
    MetricFamily& add_histogram(const MetricLabels& labels, std::span<const double> upper_bounds,
                                std::span<const std::uint64_t> bucket_counts, std::uint64_t count, double sum);
};

// The families in order, each with its HELP and TYPE lines. Names must match
// [a-zA-Z_:][a-zA-Z0-9_:]* and label names [a-zA-Z_][a-zA-Z0-9_]* (std::invalid_argument
// otherwise: they are the program's, not the user's); label values and help are escaped.
std::string format_prometheus_text(const std::vector<MetricFamily>& families);

// The number as Prometheus parses it: "+Inf", "-Inf", "NaN", integers without an exponent.
std::string format_metric_value(double value);

}  // namespace bv::daemon
