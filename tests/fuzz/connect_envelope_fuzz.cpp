// Connect streaming envelopes as a server stream delivers them: bytes cut into pieces of any
// size, a message limit, and the end-of-stream JSON of the last envelope.

#include "fuzz_input.hpp"
#include "rpc/envelope.hpp"
#include "rpc/error.hpp"
#include "rpc/protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    // The first byte picks the piece size, the second the message limit.
    const std::size_t piece = 1 + data[0] % 64;
    const std::size_t limit = 1 + data[1] * 64;
    const auto bytes = bv::fuzz::text_of(data + 2, size - 2);
    bv::rpc::EnvelopeReader reader(limit);
    std::size_t delivered = 0;
    try {
        for (std::size_t offset = 0; offset < bytes.size(); offset += piece) {
            reader.feed(bytes.substr(offset, piece));
            while (const auto envelope = reader.next()) {
                bv::fuzz::require(envelope->payload.size() <= limit, "an envelope is never larger than the limit");
                delivered += bv::rpc::kEnvelopeHeaderSize + envelope->payload.size();
                if (envelope->end_of_stream()) (void)bv::rpc::error_of_end_of_stream(envelope->payload);
                // What was read encodes back to the same bytes.
                const auto again = bv::rpc::encode_envelope(envelope->flags, envelope->payload);
                bv::fuzz::require(again.size() == bv::rpc::kEnvelopeHeaderSize + envelope->payload.size(),
                                  "an envelope encodes back to its size");
            }
        }
        bv::fuzz::require(delivered <= bytes.size(), "no envelope is made of bytes that were not fed");
    } catch (const bv::rpc::Error&) {
        // Oversized or compressed: refused with an error, as a server must.
    }
    return 0;
}
