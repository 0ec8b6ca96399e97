#include "rpc/message_codec.hpp"

#include <gtest/gtest.h>

#include "bvtest/v1/echo.pb.h"
#include "rpc/error.hpp"
#include "rpc/router.hpp"

namespace bv::rpc {
namespace {

using bvtest::v1::EchoRequest;
using bvtest::v1::EchoResponse;

TEST(MessageCodec, ProtoAndJsonDecodeToTheSameMessage) {
    EchoRequest original;
    original.set_text("hi");
    original.set_delay_ms(5);
    EchoRequest from_proto;
    decode_message(encode_message(original, Codec::proto), Codec::proto, from_proto);
    EchoRequest from_json;
    decode_message(R"({"text":"hi","delayMs":5})", Codec::json, from_json);
    EXPECT_EQ(from_proto.SerializeAsString(), original.SerializeAsString());
    EXPECT_EQ(from_json.SerializeAsString(), original.SerializeAsString());
}

TEST(MessageCodec, JsonAcceptsProtoFieldNamesAndIgnoresUnknownFields) {
    EchoRequest request;
    decode_message(R"({"delay_ms":7,"fieldFromTheFuture":1})", Codec::json, request);
    EXPECT_EQ(request.delay_ms(), 7u);
}

TEST(MessageCodec, EmptyJsonBodyIsTheEmptyMessage) {
    EchoRequest request;
    decode_message("", Codec::json, request);
    EXPECT_EQ(request.text(), "");
}

TEST(MessageCodec, MalformedInputIsInvalidArgumentNamingTheType) {
    EchoRequest request;
    for (const auto& [bytes, codec] : {std::pair<std::string, Codec>{"{\"text\":", Codec::json},
                                       {"{\"delayMs\":\"many\"}", Codec::json},
                                       {"\xff\xff\xff", Codec::proto}}) {
        try {
            decode_message(bytes, codec, request);
            ADD_FAILURE() << "accepted " << bytes;
        } catch (const Error& error) {
            EXPECT_EQ(error.code(), Code::invalid_argument);
            EXPECT_NE(std::string(error.what()).find("bvtest.v1.EchoRequest"), std::string::npos) << error.what();
        }
    }
}

TEST(MessageCodec, JsonOutputPrintsDefaults) {
    EchoResponse response;
    EXPECT_EQ(encode_message(response, Codec::json), R"({"text":""})");
}

// A response its handler encoded: a binary caller gets the bytes as they are, a JSON one the
// message they encode.
TEST(Router, AnEncodedResponseIsSentAsItIsOrAsJson) {
    EchoResponse message;
    message.set_text("made by the handler");
    Encoded<EchoResponse> binary{message.SerializeAsString()};
    EXPECT_EQ(ResponseMessage<Encoded<EchoResponse>>::encode(binary, Codec::proto), message.SerializeAsString());
    Encoded<EchoResponse> for_json{message.SerializeAsString()};
    EXPECT_EQ(ResponseMessage<Encoded<EchoResponse>>::encode(for_json, Codec::json), R"({"text":"made by the handler"})");
}

TEST(Router, RefusesProceduresThatAreNotInTheProtos) {
    Router router;
    auto handler = [](EchoRequest, CallContext&) -> asio::awaitable<EchoResponse> { co_return EchoResponse(); };
    EXPECT_THROW((router.unary<EchoRequest, EchoResponse>("bvtest.v1.EchoService/Nope", handler)), std::logic_error);
    EXPECT_THROW((router.unary<EchoRequest, EchoResponse>("bvtest.v1.EchoService.Echo", handler)), std::logic_error);
    // Echo takes an EchoRequest and returns an EchoResponse, not the other way round.
    auto swapped = [](EchoResponse, CallContext&) -> asio::awaitable<EchoRequest> { co_return EchoRequest(); };
    EXPECT_THROW((router.unary<EchoResponse, EchoRequest>("bvtest.v1.EchoService/Echo", swapped)), std::logic_error);
    // Count is server-streaming: it cannot be registered as unary.
    EXPECT_THROW((router.unary<EchoRequest, EchoResponse>("bvtest.v1.EchoService/Count", handler)), std::logic_error);
}

TEST(Router, FindsProceduresByPathWithOrWithoutSlash) {
    Router router;
    router.unary<EchoRequest, EchoResponse>(
        "bvtest.v1.EchoService/Echo",
        [](EchoRequest, CallContext&) -> asio::awaitable<EchoResponse> { co_return EchoResponse(); });
    EXPECT_NE(router.find("/bvtest.v1.EchoService/Echo"), nullptr);
    EXPECT_NE(router.find("bvtest.v1.EchoService/Echo"), nullptr);
    EXPECT_EQ(router.find("/bvtest.v1.EchoService/Count"), nullptr);
    EXPECT_EQ(router.procedures(), std::vector<std::string>{"bvtest.v1.EchoService/Echo"});
}

}  // namespace
}  // namespace bv::rpc
