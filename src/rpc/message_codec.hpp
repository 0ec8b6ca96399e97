#pragma once

#include <google/protobuf/message_lite.h>

#include <string>
#include <string_view>
#include <type_traits>

#include "rpc/protocol.hpp"

namespace google::protobuf {
class Message;
}

namespace bv::rpc {

// Binary protobuf, for any message (lite ones included). Throws Error(invalid_argument)
// naming the message type when the bytes do not parse.
void decode_proto(std::string_view bytes, google::protobuf::MessageLite& message);
std::string encode_proto(const google::protobuf::MessageLite& message);

// Protobuf's JSON mapping: only messages with descriptors (not the node side's lite ones) have
// it. In message_json.cpp, so that programs with lite messages only link no JSON code.
void decode_json(std::string_view json, google::protobuf::Message& message);
std::string encode_json(const google::protobuf::Message& message);
// Thrown for a JSON call of a procedure whose messages are lite.
[[noreturn]] void throw_json_unsupported(const google::protobuf::MessageLite& message);

template <class Message>
inline constexpr bool kHasJson = std::is_base_of_v<google::protobuf::Message, Message>;

template <class Message>
void decode_message(std::string_view bytes, Codec codec, Message& message) {
    if (codec == Codec::proto) return decode_proto(bytes, message);
    if constexpr (kHasJson<Message>) {
        decode_json(bytes, message);
    } else {
        throw_json_unsupported(message);
    }
}

template <class Message>
std::string encode_message(const Message& message, Codec codec) {
    if (codec == Codec::proto) return encode_proto(message);
    if constexpr (kHasJson<Message>) {
        return encode_json(message);
    } else {
        throw_json_unsupported(message);
    }
}

// Protobuf's JSON mapping with every field printed (defaults included): what `--json` shows.
std::string message_to_pretty_json(const google::protobuf::Message& message);

}  // namespace bv::rpc
