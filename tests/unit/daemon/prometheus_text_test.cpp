#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "daemon/prometheus_text.hpp"

namespace bv::daemon {
namespace {

TEST(PrometheusText, FamilyHasHelpTypeAndSamples) {
    MetricFamily family{"blockvisor_nodes", "Nodes on this host.", MetricType::gauge, {}};
    family.add({{"status", "running"}}, 2).add({{"status", "stopped"}}, 0);
    EXPECT_EQ(format_prometheus_text({family}),
              "# HELP blockvisor_nodes Nodes on this host.\n"
              "# TYPE blockvisor_nodes gauge\n"
              "blockvisor_nodes{status=\"running\"} 2\n"
              "blockvisor_nodes{status=\"stopped\"} 0\n");
}

TEST(PrometheusText, SampleWithoutLabelsHasNoBraces) {
    MetricFamily family{"up_total", "x", MetricType::counter, {}};
    family.add({}, 7);
    EXPECT_EQ(format_prometheus_text({family}), "# HELP up_total x\n# TYPE up_total counter\nup_total 7\n");
}

TEST(PrometheusText, LabelValuesEscapeBackslashQuoteAndNewline) {
    MetricFamily family{"m", "h", MetricType::gauge, {}};
    family.add({{"name", "a\\b\"c\nd"}, {"image", "x/y/1.0"}}, 1);
    EXPECT_EQ(format_prometheus_text({family}),
              "# HELP m h\n# TYPE m gauge\nm{name=\"a\\\\b\\\"c\\nd\",image=\"x/y/1.0\"} 1\n");
}

TEST(PrometheusText, HelpEscapesBackslashAndNewlineButNotQuotes) {
    MetricFamily family{"m", "say \"hi\"\\\nbye", MetricType::gauge, {}};
    EXPECT_EQ(format_prometheus_text({family}), "# HELP m say \"hi\"\\\\\\nbye\n# TYPE m gauge\n");
}

TEST(PrometheusText, HistogramBucketsAreCumulativeWithInfSumAndCount) {
    MetricFamily family{"op_duration_seconds", "h", MetricType::histogram, {}};
    const std::array<double, 3> bounds{0.1, 1, 10};
    const std::array<std::uint64_t, 3> counts{1, 2, 0};
    family.add_histogram({{"operation", "start"}}, bounds, counts, 4, 31.5);
    EXPECT_EQ(format_prometheus_text({family}),
              "# HELP op_duration_seconds h\n# TYPE op_duration_seconds histogram\n"
              "op_duration_seconds_bucket{operation=\"start\",le=\"0.1\"} 1\n"
              "op_duration_seconds_bucket{operation=\"start\",le=\"1\"} 3\n"
              "op_duration_seconds_bucket{operation=\"start\",le=\"10\"} 3\n"
              "op_duration_seconds_bucket{operation=\"start\",le=\"+Inf\"} 4\n"
              "op_duration_seconds_sum{operation=\"start\"} 31.5\n"
              "op_duration_seconds_count{operation=\"start\"} 4\n");
}

TEST(PrometheusText, ValuesAsPrometheusParsesThem) {
    EXPECT_EQ(format_metric_value(0), "0");
    EXPECT_EQ(format_metric_value(123456789012), "123456789012");
    EXPECT_EQ(format_metric_value(-3), "-3");
    EXPECT_EQ(format_metric_value(0.25), "0.25");
    EXPECT_EQ(format_metric_value(std::numeric_limits<double>::infinity()), "+Inf");
    EXPECT_EQ(format_metric_value(-std::numeric_limits<double>::infinity()), "-Inf");
    EXPECT_EQ(format_metric_value(std::nan("")), "NaN");
}

TEST(PrometheusText, InvalidNamesAreRefused) {
    EXPECT_THROW(format_prometheus_text({MetricFamily{"1abc", "h", MetricType::gauge, {}}}), std::invalid_argument);
    EXPECT_THROW(format_prometheus_text({MetricFamily{"a-b", "h", MetricType::gauge, {}}}), std::invalid_argument);
    MetricFamily bad_label{"ok:name", "h", MetricType::gauge, {}};
    bad_label.add({{"bad:label", "x"}}, 1);
    EXPECT_THROW(format_prometheus_text({bad_label}), std::invalid_argument);
    MetricFamily reserved_label{"ok", "h", MetricType::gauge, {}};
    reserved_label.add({{"__name__", "x"}}, 1);
    EXPECT_THROW(format_prometheus_text({reserved_label}), std::invalid_argument);
}

}  // namespace
}  // namespace bv::daemon
