#include "api/secrets.hpp"

#include <gtest/gtest.h>

#include <set>

namespace bv::api {
namespace {

TEST(Secrets, TokensAre64HexDigitsAndDiffer) {
    std::set<std::string> tokens;
    for (int i = 0; i < 100; ++i) {
        const auto token = random_token();
        EXPECT_EQ(token.size(), 64u);
        EXPECT_EQ(token.find_first_not_of("0123456789abcdef"), std::string::npos) << token;
        tokens.insert(token);
    }
    EXPECT_EQ(tokens.size(), 100u);
}

TEST(Secrets, OtpsAreFourGroupsOfUnambiguousSymbols) {
    for (int i = 0; i < 100; ++i) {
        const auto otp = random_otp();
        ASSERT_EQ(otp.size(), 19u) << otp;
        for (std::size_t position = 0; position < otp.size(); ++position) {
            if (position % 5 == 4) {
                EXPECT_EQ(otp[position], '-') << otp;
            } else {
                EXPECT_EQ(std::string("ilou-").find(otp[position]), std::string::npos) << otp;
            }
        }
    }
}

TEST(Secrets, EqualityComparesWholeValues) {
    EXPECT_TRUE(secrets_equal("abc", "abc"));
    EXPECT_FALSE(secrets_equal("abc", "abd"));
    EXPECT_FALSE(secrets_equal("abc", "ab"));
    EXPECT_FALSE(secrets_equal("", "a"));
}

}  // namespace
}  // namespace bv::api
