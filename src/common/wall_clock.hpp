#pragma once

#include <chrono>
#include <cstdint>

namespace bv {

// Milliseconds since the Unix epoch: the timestamps of records, events and metrics.
inline std::int64_t unix_time_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace bv
