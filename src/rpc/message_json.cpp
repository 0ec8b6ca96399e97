#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

#include "rpc/error.hpp"
#include "rpc/message_codec.hpp"

namespace bv::rpc {

void decode_json(std::string_view json, google::protobuf::Message& message) {
    google::protobuf::util::JsonParseOptions options;
    // Newer peers may send fields we do not know yet: ignore them, as Connect servers do.
    options.ignore_unknown_fields = true;
    // An empty unary JSON body is the empty message.
    if (json.empty()) json = "{}";
    const auto status =
        google::protobuf::util::JsonStringToMessage(google::protobuf::StringPiece(json.data(), json.size()), &message, options);
    if (!status.ok()) {
        throw Error(Code::invalid_argument, "malformed " + message.GetTypeName() + " JSON: " + std::string(status.message()));
    }
}

std::string encode_json(const google::protobuf::Message& message) {
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.always_print_primitive_fields = true;
    google::protobuf::util::MessageToJsonString(message, &json, options);
    return json;
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
