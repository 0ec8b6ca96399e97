#pragma once

// What every fuzz target shares: the input as text, cut into the parts a target needs, and
// the check that turns a broken property into a crash libFuzzer keeps.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace bv::fuzz {

inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// The input cut at NUL bytes into at most `count` parts (the last one keeps the rest), so that a
// target with several inputs (a JSON document and a field path) gets them from one corpus file.
inline std::vector<std::string_view> parts_of(std::string_view input, std::size_t count) {
    std::vector<std::string_view> parts;
    while (parts.size() + 1 < count) {
        const auto cut = input.find('\0');
        if (cut == std::string_view::npos) break;
        parts.push_back(input.substr(0, cut));
        input.remove_prefix(cut + 1);
    }
    parts.push_back(input);
    parts.resize(count);
    return parts;
}

// A property the code promises (not an input error): abort, so libFuzzer records the input.
inline void require(bool holds, const char* property) {
    if (holds) return;
    std::fprintf(stderr, "fuzz: broken property: %s\n", property);
    std::abort();
}

// Whether a path has a ".." component (climbs out of where it is resolved).
inline bool has_dot_dot(std::string_view path) {
    while (!path.empty()) {
        const auto slash = path.find('/');
        if (path.substr(0, slash) == "..") return true;
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return false;
}

}  // namespace bv::fuzz
