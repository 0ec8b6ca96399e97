#pragma once

// Release versions as bundles and the control plane name them: "MAJOR.MINOR.PATCH" with an
// optional pre-release ("1.4.0-rc.1"), ordered as semantic versions order them (a pre-release
// before its release; pre-release parts numerically when both are numbers).

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bv::install {

struct Version {
    std::uint64_t major = 0;
    std::uint64_t minor = 0;
    std::uint64_t patch = 0;
    std::vector<std::string> pre_release;  // "rc.1" -> {"rc", "1"}; empty for a release

    // nullopt unless `text` is exactly such a version: digits without leading zeros, pre-release
    // parts of [0-9A-Za-z-]. Nothing else, so a valid version is also a safe directory name.
    static std::optional<Version> parse(std::string_view text);
    // Throws std::invalid_argument naming `text` and the expected form.
    static Version parse_or_throw(std::string_view text);

    std::string to_string() const;
    std::strong_ordering operator<=>(const Version& other) const;
    bool operator==(const Version& other) const { return (*this <=> other) == 0; }
};

}  // namespace bv::install
