#include "rpc/message_codec.hpp"

#include <google/protobuf/util/json_util.h>

#include "rpc/error.hpp"

namespace bv::rpc {

void decode_message(std::string_view bytes, Codec codec, google::protobuf::Message& message) {
    if (codec == Codec::proto) {
        if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
            throw Error(Code::invalid_argument,
                        "malformed " + message.GetTypeName() + ": not a valid protobuf encoding");
        }
        return;
    }
    google::protobuf::util::JsonParseOptions options;
    // Newer peers may send fields we do not know yet: ignore them, as Connect servers do.
    options.ignore_unknown_fields = true;
    // An empty unary JSON body is the empty message.
    const auto json = bytes.empty() ? std::string_view("{}") : bytes;
    const auto status = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(json.data(), json.size()), &message, options);
    if (!status.ok()) {
        throw Error(Code::invalid_argument, "malformed " + message.GetTypeName() + " JSON: " +
                                                std::string(status.message()));
    }
}

std::string encode_message(const google::protobuf::Message& message, Codec codec) {
    std::string bytes;
    if (codec == Codec::proto) {
        message.SerializeToString(&bytes);
        return bytes;
    }
    google::protobuf::util::JsonPrintOptions options;
    options.always_print_primitive_fields = true;
    google::protobuf::util::MessageToJsonString(message, &bytes, options);
    return bytes;
}

std::string message_to_pretty_json(const google::protobuf::Message& message) {
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.always_print_primitive_fields = true;
    options.add_whitespace = true;
    google::protobuf::util::MessageToJsonString(message, &json, options);
    return json;
}

}  // namespace bv::rpc
