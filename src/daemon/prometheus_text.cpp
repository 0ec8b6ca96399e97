#include "daemon/prometheus_text.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace bv::daemon {

namespace {

bool is_name(std::string_view name, bool colons_allowed) {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colons_allowed && c == ':');
        const bool digit = c >= '0' && c <= '9';
        if (!letter && !(digit && i > 0)) return false;
    }
    return true;
}

// HELP text escapes backslash and line feed; label values also the double quote.
void append_escaped(std::string& out, std::string_view text, bool quotes) {
    for (const char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '"' && quotes) {
            out += "\\\"";
        } else {
            out += c;
        }
    }
}

std::string_view type_name(MetricType type) {
    switch (type) {
        case MetricType::counter: return "counter";
        case MetricType::gauge: return "gauge";
        case MetricType::histogram: return "histogram";
    }
    return "untyped";
}

}  // namespace

MetricFamily& MetricFamily::add(MetricLabels labels, double value) {
    samples.push_back({"", std::move(labels), value});
    return *this;
}

MetricFamily& MetricFamily::add_histogram(const MetricLabels& labels, std::span<const double> upper_bounds,
                                          std::span<const std::uint64_t> bucket_counts, std::uint64_t count,
                                          double sum) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < upper_bounds.size(); ++i) {
        cumulative += i < bucket_counts.size() ? bucket_counts[i] : 0;
        auto bucket_labels = labels;
        bucket_labels.emplace_back("le", format_metric_value(upper_bounds[i]));
        samples.push_back({"_bucket", std::move(bucket_labels), static_cast<double>(cumulative)});
    }
    auto infinity_labels = labels;
    infinity_labels.emplace_back("le", "+Inf");
    samples.push_back({"_bucket", std::move(infinity_labels), static_cast<double>(count)});
    samples.push_back({"_sum", labels, sum});
    samples.push_back({"_count", labels, static_cast<double>(count)});
    return *this;
}

std::string format_metric_value(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    // Exact integers as integers (counters, bytes): "1e+06" parses, but reads badly.
    if (value == std::floor(value) && std::fabs(value) < 1e15) return fmt::format("{}", static_cast<std::int64_t>(value));
    return fmt::format("{}", value);
}

std::string format_prometheus_text(const std::vector<MetricFamily>& families) {
    std::string out;
    for (const auto& family : families) {
        if (!is_name(family.name, true)) throw std::invalid_argument("invalid metric name '" + family.name + "'");
        out += "# HELP ";
        out += family.name;
        out += ' ';
        append_escaped(out, family.help, false);
        out += "\n# TYPE ";
        out += family.name;
        out += ' ';
        out += type_name(family.type);
        out += '\n';
        for (const auto& sample : family.samples) {
            out += family.name;
            out += sample.suffix;
            if (!sample.labels.empty()) {
                out += '{';
                bool first = true;
                for (const auto& [name, value] : sample.labels) {
                    if (!is_name(name, false) || name.starts_with("__")) {
                        throw std::invalid_argument("invalid label name '" + name + "' of metric " + family.name);
                    }
                    if (!std::exchange(first, false)) out += ',';
                    out += name;
                    out += "=\"";
                    append_escaped(out, value, true);
                    out += '"';
                }
                out += '}';
            }
            out += ' ';
            out += format_metric_value(sample.value);
            out += '\n';
        }
    }
    return out;
}

}  // namespace bv::daemon
