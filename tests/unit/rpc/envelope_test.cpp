#include "rpc/envelope.hpp"

#include <gtest/gtest.h>

#include "rpc/error.hpp"

namespace bv::rpc {
namespace {

TEST(Envelope, RoundTripsFlagsAndPayload) {
    EnvelopeReader reader(1024);
    reader.feed(encode_envelope(0, "hello"));
    reader.feed(encode_envelope(kEnvelopeEndOfStream, "{}"));
    const auto first = reader.next();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->payload, "hello");
    EXPECT_FALSE(first->end_of_stream());
    const auto last = reader.next();
    ASSERT_TRUE(last);
    EXPECT_EQ(last->payload, "{}");
    EXPECT_TRUE(last->end_of_stream());
    EXPECT_FALSE(reader.next());
    EXPECT_FALSE(reader.has_partial_envelope());
}

TEST(Envelope, HeaderIsBigEndianLength) {
    const auto frame = encode_envelope(0, std::string(258, 'x'));
    ASSERT_EQ(frame.size(), 5u + 258u);
    EXPECT_EQ(frame.substr(0, 5), std::string("\x00\x00\x00\x01\x02", 5));
}

TEST(Envelope, ReassemblesMessagesSplitAcrossReads) {
    const auto frame = encode_envelope(0, "split into single bytes");
    EnvelopeReader reader(1024);
    for (std::size_t i = 0; i + 1 < frame.size(); ++i) {
        reader.feed(frame.substr(i, 1));
        EXPECT_FALSE(reader.next()) << "complete after " << i + 1 << " bytes";
    }
    reader.feed(frame.substr(frame.size() - 1));
    const auto envelope = reader.next();
    ASSERT_TRUE(envelope);
    EXPECT_EQ(envelope->payload, "split into single bytes");
}

TEST(Envelope, EmptyPayloadIsAMessage) {
    EnvelopeReader reader(16);
    reader.feed(encode_envelope(0, ""));
    const auto envelope = reader.next();
    ASSERT_TRUE(envelope);
    EXPECT_EQ(envelope->payload, "");
}

TEST(Envelope, OversizedMessageIsRejectedBeforeItArrives) {
    EnvelopeReader reader(10);
    reader.feed(encode_envelope(0, std::string(11, 'x')).substr(0, 5));
    try {
        reader.next();
        FAIL() << "expected resource_exhausted";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), Code::resource_exhausted);
    }
}

TEST(Envelope, TruncatedStreamLeavesAPartialEnvelope) {
    EnvelopeReader reader(1024);
    reader.feed(encode_envelope(0, "truncated").substr(0, 8));
    EXPECT_FALSE(reader.next());
    EXPECT_TRUE(reader.has_partial_envelope());
}

TEST(Envelope, CompressedMessageIsRefused) {
    EnvelopeReader reader(1024);
    reader.feed(encode_envelope(kEnvelopeCompressed, "zz"));
    EXPECT_THROW(reader.next(), Error);
}

}  // namespace
}  // namespace bv::rpc
