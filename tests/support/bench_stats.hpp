#pragma once

// What the benchmarks compute from their samples.

#include <algorithm>
#include <chrono>
#include <vector>

namespace bv::test {

inline double percentile(std::vector<double> samples, double share) {
    std::sort(samples.begin(), samples.end());
    return samples[std::min(samples.size() - 1, static_cast<std::size_t>(share * static_cast<double>(samples.size())))];
}

inline double median(std::vector<double> samples) { return percentile(std::move(samples), 0.5); }

inline double milliseconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace bv::test
