#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>


namespace bv::daemon {

// What the update checker knows when it decides: the version running, what the control plane
// offers (BundleService.ListBundles: versions as text, any order), the host's blacklist
// (opt/blockvisor/blacklist: versions whose update failed here) and the host config's
// allow_major_update.
struct UpdateChoiceInput {
    std::string running;
    std::vector<std::string> available;
    std::set<std::string> blacklist;
    bool allow_major_update = false;
};

struct UpdateChoice {
    // The version to take; nullopt: stay.
    std::optional<std::string> version;
    // Why, in a line for the log ("1.3.0 is newer than 1.2.0", "1.4.0 is blacklisted; ...").
    std::string reason;
};

// The newest offered version that is newer than the running one, not blacklisted, and of the
// same major version unless major updates are allowed, in the order of install::Version
// (semantic versions: a pre-release before its release). Versions that do not parse are
// skipped (and named in the reason); a running version that does not parse takes nothing.
UpdateChoice choose_update(const UpdateChoiceInput& input);

}  // namespace bv::daemon
