#pragma once

// Connect streaming envelopes: 1 byte of flags, a 4-byte big-endian length, the message.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bv::rpc {

inline constexpr std::uint8_t kEnvelopeCompressed = 0x01;
inline constexpr std::uint8_t kEnvelopeEndOfStream = 0x02;
inline constexpr std::size_t kEnvelopeHeaderSize = 5;

struct Envelope {
    std::uint8_t flags = 0;
    std::string payload;

    bool end_of_stream() const { return (flags & kEnvelopeEndOfStream) != 0; }
};

std::string encode_envelope(std::uint8_t flags, std::string_view payload);

// Reassembles envelopes from bytes that arrive in pieces of any size.
class EnvelopeReader {
public:
    explicit EnvelopeReader(std::size_t max_message_size) : max_message_size_(max_message_size) {}

    void feed(std::string_view bytes) { buffer_.append(bytes); }
    // The next complete envelope, or nullopt until more bytes arrive. Throws
    // Error(resource_exhausted) for a message larger than the limit and Error(internal) for a
    // compressed one (we negotiate no compression).
    std::optional<Envelope> next();
    // True when bytes of an incomplete envelope are buffered: at the end of the body that
    // means the stream was truncated.
    bool has_partial_envelope() const { return !buffer_.empty(); }

private:
    std::size_t max_message_size_;
    std::string buffer_;
};

}  // namespace bv::rpc
