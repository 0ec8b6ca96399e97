#include "rpc/protocol.hpp"

#include <gtest/gtest.h>

namespace bv::rpc {
namespace {

TEST(ContentType, AcceptsConnectTypesWithParametersAndAnyCase) {
    const auto json = parse_content_type("application/json; charset=utf-8");
    ASSERT_TRUE(json);
    EXPECT_EQ(json->codec, Codec::json);
    EXPECT_FALSE(json->streaming);
    const auto proto = parse_content_type("Application/Proto");
    ASSERT_TRUE(proto);
    EXPECT_EQ(proto->codec, Codec::proto);
    const auto stream = parse_content_type("application/connect+proto");
    ASSERT_TRUE(stream);
    EXPECT_TRUE(stream->streaming);
    EXPECT_TRUE(parse_content_type("application/connect+json")->streaming);
}

TEST(ContentType, RejectsOthers) {
    EXPECT_FALSE(parse_content_type("text/plain"));
    EXPECT_FALSE(parse_content_type(""));
    EXPECT_FALSE(parse_content_type("application/grpc"));
    EXPECT_FALSE(parse_content_type("application/jsonx"));
}

TEST(ContentType, NamesRoundTrip) {
    for (const auto codec : {Codec::proto, Codec::json}) {
        for (const bool streaming : {false, true}) {
            const auto parsed = parse_content_type(content_type_name({codec, streaming}));
            ASSERT_TRUE(parsed);
            EXPECT_EQ(parsed->codec, codec);
            EXPECT_EQ(parsed->streaming, streaming);
        }
    }
}

TEST(Timeout, ParsesOneToTenDigits) {
    EXPECT_EQ(parse_timeout("1"), std::chrono::milliseconds(1));
    EXPECT_EQ(parse_timeout("2500"), std::chrono::milliseconds(2500));
    EXPECT_EQ(parse_timeout("9999999999"), std::chrono::milliseconds(9999999999));
}

TEST(Timeout, RejectsAnythingElse) {
    EXPECT_FALSE(parse_timeout(""));
    EXPECT_FALSE(parse_timeout("12345678901"));
    EXPECT_FALSE(parse_timeout("-5"));
    EXPECT_FALSE(parse_timeout("1.5"));
    EXPECT_FALSE(parse_timeout("soon"));
    EXPECT_FALSE(parse_timeout(" 5"));
}

TEST(ErrorCodes, NamesAndStatusesFollowTheConnectTable) {
    EXPECT_EQ(code_name(Code::not_found), "not_found");
    EXPECT_EQ(http_status_of(Code::not_found), 404);
    EXPECT_EQ(http_status_of(Code::invalid_argument), 400);
    EXPECT_EQ(http_status_of(Code::deadline_exceeded), 504);
    EXPECT_EQ(http_status_of(Code::unimplemented), 501);
    EXPECT_EQ(http_status_of(Code::unauthenticated), 401);
    EXPECT_EQ(http_status_of(Code::resource_exhausted), 429);
    EXPECT_EQ(http_status_of(Code::unavailable), 503);
    EXPECT_EQ(http_status_of(Code::canceled), 499);
    for (int value = 0; value <= static_cast<int>(Code::unauthenticated); ++value) {
        const auto code = static_cast<Code>(value);
        EXPECT_EQ(code_from_name(code_name(code)), code);
    }
    EXPECT_FALSE(code_from_name("no_such_code"));
}

TEST(ErrorCodes, HttpStatusWithoutBodyMapsLikeConnectClients) {
    EXPECT_EQ(code_of_http_status(400), Code::internal);
    EXPECT_EQ(code_of_http_status(401), Code::unauthenticated);
    EXPECT_EQ(code_of_http_status(403), Code::permission_denied);
    EXPECT_EQ(code_of_http_status(404), Code::unimplemented);
    EXPECT_EQ(code_of_http_status(429), Code::unavailable);
    EXPECT_EQ(code_of_http_status(503), Code::unavailable);
    EXPECT_EQ(code_of_http_status(418), Code::unknown);
}

TEST(ErrorBody, RoundTripsThroughJson) {
    const Error error(Code::failed_precondition, "node 'a' is \"busy\"");
    const auto json = error_to_json(error);
    EXPECT_EQ(json, R"({"code":"failed_precondition","message":"node 'a' is \"busy\""})");
    const auto parsed = error_of_response(400, "application/json", json);
    EXPECT_EQ(parsed.code(), Code::failed_precondition);
    EXPECT_STREQ(parsed.what(), "node 'a' is \"busy\"");
}

TEST(ErrorBody, NonConnectBodyFallsBackToTheStatus) {
    const auto parsed = error_of_response(503, "text/html", "<html>bad gateway</html>");
    EXPECT_EQ(parsed.code(), Code::unavailable);
    EXPECT_NE(std::string(parsed.what()).find("503"), std::string::npos);
    EXPECT_EQ(error_of_response(404, "application/json", "{not json").code(), Code::unimplemented);
    EXPECT_EQ(error_of_response(500, "application/json", R"({"code":"brand_new_code"})").code(), Code::unknown);
}

TEST(EndOfStream, CarriesTheErrorOrNothing) {
    EXPECT_EQ(end_of_stream_json(nullptr), "{}");
    EXPECT_FALSE(error_of_end_of_stream("{}"));
    EXPECT_FALSE(error_of_end_of_stream(R"({"metadata":{"x":["y"]}})"));
    const Error error(Code::aborted, "stopped");
    const auto parsed = error_of_end_of_stream(end_of_stream_json(&error));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->code(), Code::aborted);
    EXPECT_STREQ(parsed->what(), "stopped");
    EXPECT_THROW(error_of_end_of_stream("not json"), Error);
}

}  // namespace
}  // namespace bv::rpc
