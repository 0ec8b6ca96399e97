#include "rpc/message_codec.hpp"

#include "rpc/error.hpp"

namespace bv::rpc {

void decode_proto(std::string_view bytes, google::protobuf::MessageLite& message) {
    if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
        throw Error(Code::invalid_argument, "malformed " + message.GetTypeName() + ": not a valid protobuf encoding");
    }
}

std::string encode_proto(const google::protobuf::MessageLite& message) {
    std::string bytes;
    message.SerializeToString(&bytes);
    return bytes;
}

void throw_json_unsupported(const google::protobuf::MessageLite& message) {
    throw Error(Code::unimplemented,
                "this server speaks binary protobuf only for " + message.GetTypeName() + ": use application/proto");
}

}  // namespace bv::rpc
