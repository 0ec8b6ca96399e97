#include "daemon/update/update_decision.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "install/version.hpp"

namespace bv::daemon {

UpdateChoice choose_update(const UpdateChoiceInput& input) {
    const auto running = install::Version::parse(input.running);
    if (!running) {
        return {std::nullopt, fmt::format("the running version '{}' is not MAJOR.MINOR.PATCH[-PRE]: no update is newer",
                                          input.running)};
    }
    std::optional<install::Version> best;
    std::vector<std::string> skipped;
    for (const auto& offered : input.available) {
        const auto version = install::Version::parse(offered);
        if (!version) {
            skipped.push_back(fmt::format("'{}' (not a version)", offered));
            continue;
        }
        if (*version <= *running) continue;
        if (input.blacklist.contains(version->to_string()) || input.blacklist.contains(offered)) {
            skipped.push_back(offered + " (blacklisted: its update failed on this host)");
            continue;
        }
        if (version->major != running->major && !input.allow_major_update) {
            skipped.push_back(offered + " (another major version: set allow_major_update to take it)");
            continue;
        }
        if (!best || *version > *best) best = version;
    }
    const auto also = skipped.empty() ? std::string() : fmt::format("; skipped {}", fmt::join(skipped, ", "));
    if (!best) return {std::nullopt, fmt::format("nothing newer than {} to take{}", input.running, also)};
    const auto chosen = best->to_string();
    return {chosen, fmt::format("{} is the newest above {}{}", chosen, input.running, also)};
}

}  // namespace bv::daemon
