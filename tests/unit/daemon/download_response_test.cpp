#include "daemon/download_response.hpp"

#include <gtest/gtest.h>

namespace bv::daemon {
namespace {

using Then = DownloadFailure::Then;
constexpr auto kUrl = "https://cp.example/images/x.tar.gz";

// What body_start does with this answer: the offset, or the failure's code, plan and message.
struct Decision {
    std::optional<std::uint64_t> start;
    rpc::Code code = rpc::Code::unknown;
    Then then = Then::retry;
    std::string message;
};

Decision decide(int status, std::string_view content_range, std::string_view content_length,
                std::uint64_t offset, std::uint64_t size = 1000) {
    try {
        return {
            body_start({status, content_range, content_length}, offset, size, kUrl), {}, {}, {}};
    } catch (const DownloadFailure& failure) {
        return {std::nullopt, failure.code(), failure.then(), failure.what()};
    }
}

TEST(DownloadResponse, RangeAsksForTheRest) {
    EXPECT_EQ(range_from(300000), "bytes=300000-");
}

TEST(DownloadResponse, WholeArchiveStartsAtZeroEvenWhenARangeWasAsked) {
    EXPECT_EQ(decide(200, "", "1000", 0).start, 0u);
    EXPECT_EQ(decide(200, "", "", 0).start, 0u);
    EXPECT_EQ(decide(200, "", "1000", 400).start, 0u);  // the server ignores Range
}

TEST(DownloadResponse, TheRangeAskedForIsAppended) {
    EXPECT_EQ(decide(206, "bytes 400-999/1000", "600", 400).start, 400u);
    EXPECT_EQ(decide(206, "bytes 400-999/*", "600", 400).start, 400u);
}

TEST(DownloadResponse, ASizeOtherThanTheControlPlaneSaidIsRefusedForGood) {
    const auto longer = decide(200, "", "1010", 0);
    EXPECT_EQ(longer.code, rpc::Code::data_loss);
    EXPECT_EQ(longer.then, Then::give_up);
    EXPECT_NE(longer.message.find("is 1010 bytes, the control plane said 1000"), std::string::npos)
        << longer.message;
    EXPECT_EQ(decide(206, "bytes 400-1009/1010", "610", 400).then, Then::give_up);
}

TEST(DownloadResponse, AnotherRangeOrNoneLeftStartsOver) {
    EXPECT_EQ(decide(206, "bytes 0-999/1000", "1000", 400).then, Then::retry_from_start);
    EXPECT_EQ(decide(206, "bytes 400-499/1000", "100", 400).then, Then::retry_from_start);
    EXPECT_EQ(decide(206, "bytes nonsense", "", 400).then, Then::retry_from_start);
    EXPECT_EQ(decide(206, "", "", 400).then, Then::retry_from_start);
    const auto unsatisfiable = decide(416, "bytes */900", "", 950);
    EXPECT_EQ(unsatisfiable.then, Then::retry_from_start);
    EXPECT_NE(unsatisfiable.message.find("nothing from byte 950"), std::string::npos);
}

TEST(DownloadResponse, ServerTroubleIsRetriedRefusalsAreNot) {
    for (const int status : {408, 429, 500, 502, 503, 504}) {
        EXPECT_EQ(decide(status, "", "", 0).then, Then::retry) << status;
        EXPECT_EQ(decide(status, "", "", 0).code, rpc::Code::unavailable) << status;
    }
    EXPECT_EQ(decide(404, "", "", 0).code, rpc::Code::not_found);
    EXPECT_EQ(decide(404, "", "", 0).then, Then::give_up);
    EXPECT_NE(decide(404, "", "", 0).message.find(std::string("GET ") + kUrl + ": HTTP 404"),
              std::string::npos);
    EXPECT_EQ(decide(401, "", "", 0).code, rpc::Code::unauthenticated);
    EXPECT_EQ(decide(403, "", "", 0).code, rpc::Code::permission_denied);
    EXPECT_EQ(decide(400, "", "", 0).then, Then::give_up);
    EXPECT_EQ(decide(302, "", "", 0).then, Then::give_up);
}

}  // namespace
}  // namespace bv::daemon
