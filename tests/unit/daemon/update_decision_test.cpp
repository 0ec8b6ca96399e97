#include "daemon/update/update_decision.hpp"

#include <gtest/gtest.h>

namespace bv::daemon {
namespace {

struct Case {
    const char* name;
    UpdateChoiceInput input;
    std::optional<std::string> expected;
    const char* reason_mentions;
};

TEST(UpdateDecision, Table) {
    const std::vector<Case> cases{
        {"nothing offered", {"1.2.0", {}, {}, false}, std::nullopt, "nothing newer"},
        {"only the running one", {"1.2.0", {"1.2.0"}, {}, false}, std::nullopt, "nothing newer"},
        {"only older ones", {"1.2.0", {"1.1.9", "0.9.0"}, {}, false}, std::nullopt, "nothing newer"},
        {"one newer", {"1.2.0", {"1.2.1"}, {}, false}, "1.2.1", "1.2.1 is the newest"},
        {"the newest of several, any order", {"1.2.0", {"1.3.0", "1.10.0", "1.9.2", "1.2.5"}, {}, false}, "1.10.0",
         "1.10.0"},
        {"numbers, not text: 1.10 > 1.9", {"1.9.0", {"1.10.0"}, {}, false}, "1.10.0", ""},
        {"newest blacklisted: the next one", {"1.2.0", {"1.4.0", "1.3.0"}, {"1.4.0"}, false}, "1.3.0", "blacklisted"},
        {"every newer one blacklisted", {"1.2.0", {"1.4.0", "1.3.0"}, {"1.4.0", "1.3.0"}, false}, std::nullopt,
         "blacklisted"},
        {"blacklisted running version changes nothing", {"1.2.0", {"1.2.0"}, {"1.2.0"}, false}, std::nullopt, ""},
        {"major update not allowed", {"1.2.0", {"2.0.0"}, {}, false}, std::nullopt, "allow_major_update"},
        {"major update not allowed, a minor one is taken", {"1.2.0", {"2.0.0", "1.3.0"}, {}, false}, "1.3.0",
         "another major version"},
        {"major update allowed", {"1.2.0", {"2.0.0", "1.3.0"}, {}, true}, "2.0.0", ""},
        {"major downgrade never", {"2.0.0", {"1.9.0"}, {}, true}, std::nullopt, ""},
        {"versions that do not parse are skipped", {"1.2.0", {"1.3", "v1.4.0", "1.5.x", "", "01.6.0", "1.2.9"}, {}, false},
         "1.2.9", "not a version"},
        {"a pre-release comes before its release", {"1.2.0", {"1.5.0-rc.1", "1.5.0"}, {}, false}, "1.5.0", ""},
        {"a pre-release is newer than the release before", {"1.2.0", {"1.3.0-rc.2", "1.3.0-rc.10"}, {}, false},
         "1.3.0-rc.10", ""},
        {"a running version that does not parse takes nothing", {"dev-build", {"9.9.9"}, {}, true}, std::nullopt,
         "not MAJOR.MINOR.PATCH"},
    };
    for (const auto& c : cases) {
        const auto choice = choose_update(c.input);
        EXPECT_EQ(choice.version, c.expected) << c.name << ": " << choice.reason;
        EXPECT_NE(choice.reason.find(c.reason_mentions), std::string::npos) << c.name << ": " << choice.reason;
    }
}

}  // namespace
}  // namespace bv::daemon
