#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <string_view>

#include "rpc/protocol.hpp"

namespace bv::rpc {

// Throws Error(invalid_argument) naming the message type when the bytes do not parse.
void decode_message(std::string_view bytes, Codec codec, google::protobuf::Message& message);
std::string encode_message(const google::protobuf::Message& message, Codec codec);

// Protobuf's JSON mapping with every field printed (defaults included): what `--json` shows.
std::string message_to_pretty_json(const google::protobuf::Message& message);

}  // namespace bv::rpc
