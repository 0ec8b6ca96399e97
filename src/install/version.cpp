#include "install/version.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <tuple>

namespace bv::install {
namespace {

std::optional<std::uint64_t> number(std::string_view text) {
    if (text.empty() || (text.size() > 1 && text.front() == '0')) return std::nullopt;
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

bool is_identifier(std::string_view part) {
    if (part.empty()) return false;
    for (const char c : part) {
        const bool ok =
            (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
        if (!ok) return false;
    }
    return true;
}

bool all_digits(std::string_view part) {
    return part.find_first_not_of("0123456789") == std::string_view::npos;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (;;) {
        const auto end = text.find(separator, start);
        parts.push_back(text.substr(
            start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos) return parts;
        start = end + 1;
    }
}

}  // namespace

std::optional<Version> Version::parse(std::string_view text) {
    const auto dash = text.find('-');
    const auto core = text.substr(0, dash);
    const auto numbers = split(core, '.');
    if (numbers.size() != 3) return std::nullopt;
    Version version;
    const auto major = number(numbers[0]);
    const auto minor = number(numbers[1]);
    const auto patch = number(numbers[2]);
    if (!major || !minor || !patch) return std::nullopt;
    version.major = *major;
    version.minor = *minor;
    version.patch = *patch;
    if (dash != std::string_view::npos) {
        for (const auto part : split(text.substr(dash + 1), '.')) {
            if (!is_identifier(part)) return std::nullopt;
            if (all_digits(part) && !number(part)) return std::nullopt;  // leading zero
            version.pre_release.emplace_back(part);
        }
    }
    return version;
}

Version Version::parse_or_throw(std::string_view text) {
    auto version = parse(text);
    if (!version) {
        throw std::invalid_argument(
            "'" + std::string(text) +
            "' is not a release version (expected MAJOR.MINOR.PATCH, e.g. 1.2.3 or 1.2.3-rc.1)");
    }
    return *version;
}

std::string Version::to_string() const {
    auto text = std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
    for (std::size_t i = 0; i < pre_release.size(); ++i)
        text += (i == 0 ? "-" : ".") + pre_release[i];
    return text;
}

std::strong_ordering Version::operator<=>(const Version& other) const {
    if (const auto order =
            std::tie(major, minor, patch) <=> std::tie(other.major, other.minor, other.patch);
        order != 0)
        return order;
    // A release sorts after its pre-releases.
    if (pre_release.empty() || other.pre_release.empty())
        return other.pre_release.size() <=> pre_release.size();
    for (std::size_t i = 0; i < std::min(pre_release.size(), other.pre_release.size()); ++i) {
        const auto& mine = pre_release[i];
        const auto& theirs = other.pre_release[i];
        if (mine == theirs) continue;
        const bool mine_numeric = all_digits(mine);
        const bool theirs_numeric = all_digits(theirs);
        if (mine_numeric && theirs_numeric) return *number(mine) <=> *number(theirs);
        if (mine_numeric != theirs_numeric)
            return mine_numeric ? std::strong_ordering::less : std::strong_ordering::greater;
        return mine.compare(theirs) < 0 ? std::strong_ordering::less
                                        : std::strong_ordering::greater;
    }
    return pre_release.size() <=> other.pre_release.size();
}

}  // namespace bv::install
