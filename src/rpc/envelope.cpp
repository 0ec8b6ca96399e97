#include "rpc/envelope.hpp"

#include "rpc/error.hpp"

namespace bv::rpc {

std::string encode_envelope(std::uint8_t flags, std::string_view payload) {
    const auto size = static_cast<std::uint32_t>(payload.size());
    std::string frame;
    frame.reserve(kEnvelopeHeaderSize + payload.size());
    frame.push_back(static_cast<char>(flags));
    for (int shift = 24; shift >= 0; shift -= 8) frame.push_back(static_cast<char>((size >> shift) & 0xff));
    frame.append(payload);
    return frame;
}

std::optional<Envelope> EnvelopeReader::next() {
    if (buffer_.size() < kEnvelopeHeaderSize) return std::nullopt;
    const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(buffer_[i]); };
    const std::uint8_t flags = byte(0);
    const std::size_t size = (std::size_t{byte(1)} << 24) | (std::size_t{byte(2)} << 16) |
                             (std::size_t{byte(3)} << 8) | std::size_t{byte(4)};
    if (size > max_message_size_) {
        throw Error(Code::resource_exhausted, "stream message of " + std::to_string(size) +
                                                  " bytes exceeds the limit of " +
                                                  std::to_string(max_message_size_));
    }
    if ((flags & kEnvelopeCompressed) != 0) {
        throw Error(Code::internal, "received a compressed stream message, but no compression was negotiated");
    }
    if (buffer_.size() < kEnvelopeHeaderSize + size) return std::nullopt;
    Envelope envelope{flags, buffer_.substr(kEnvelopeHeaderSize, size)};
    buffer_.erase(0, kEnvelopeHeaderSize + size);
    return envelope;
}

}  // namespace bv::rpc
