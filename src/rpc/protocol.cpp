#include "rpc/protocol.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

namespace bv::rpc {
namespace {

std::string_view trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    return text;
}

boost::json::object error_object(const Error& error) {
    boost::json::object object;
    object["code"] = code_name(error.code());
    if (*error.what() != '\0') object["message"] = error.what();
    return object;
}

std::optional<Error> error_of_object(const boost::json::object& object) {
    const auto* code = object.if_contains("code");
    if (code == nullptr || !code->is_string()) return std::nullopt;
    const auto parsed_code = code_from_name(code->as_string());
    std::string message;
    if (const auto* text = object.if_contains("message"); text != nullptr && text->is_string()) {
        message = text->as_string();
    }
    return Error(parsed_code.value_or(Code::unknown), std::move(message));
}

}  // namespace

std::string ascii_lowercase(std::string_view text) {
    std::string result(text);
    std::ranges::transform(result, result.begin(), [](unsigned char c) { return std::tolower(c); });
    return result;
}

std::optional<ContentType> parse_content_type(std::string_view header) {
    const auto media_type = ascii_lowercase(trim(header.substr(0, header.find(';'))));
    if (media_type == "application/proto") return ContentType{Codec::proto, false};
    if (media_type == "application/json") return ContentType{Codec::json, false};
    if (media_type == "application/connect+proto") return ContentType{Codec::proto, true};
    if (media_type == "application/connect+json") return ContentType{Codec::json, true};
    return std::nullopt;
}

std::string_view content_type_name(ContentType content_type) {
    if (content_type.streaming) {
        return content_type.codec == Codec::proto ? "application/connect+proto"
                                                  : "application/connect+json";
    }
    return content_type.codec == Codec::proto ? "application/proto" : "application/json";
}

std::optional<std::chrono::milliseconds> parse_timeout(std::string_view header) {
    if (header.empty() || header.size() > 10) return std::nullopt;
    long long value = 0;
    for (const char c : header) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return std::chrono::milliseconds(value);
}

std::string error_to_json(const Error& error) {
    return boost::json::serialize(error_object(error));
}

Error error_of_response(int http_status, std::string_view content_type, std::string_view body) {
    const auto fallback_code = code_of_http_status(http_status);
    if (ascii_lowercase(trim(content_type.substr(0, content_type.find(';')))) == "application/json") {
        boost::system::error_code ec;
        const auto value = boost::json::parse(body, ec);
        if (!ec && value.is_object()) {
            if (auto error = error_of_object(value.as_object())) return *error;
        }
    }
    std::string message = "HTTP status " + std::to_string(http_status);
    if (!body.empty()) message += ": " + std::string(body.substr(0, 512));
    return Error(fallback_code, std::move(message));
}

std::string end_of_stream_json(const Error* error) {
    boost::json::object object;
    if (error != nullptr) object["error"] = error_object(*error);
    return boost::json::serialize(object);
}

std::optional<Error> error_of_end_of_stream(std::string_view json) {
    boost::system::error_code ec;
    const auto value = boost::json::parse(json, ec);
    if (ec || !value.is_object()) {
        throw Error(Code::internal, "malformed end-of-stream message: " + std::string(json.substr(0, 200)));
    }
    const auto* error = value.as_object().if_contains("error");
    if (error == nullptr || error->is_null()) return std::nullopt;
    if (!error->is_object()) throw Error(Code::internal, "malformed error in end-of-stream message");
    if (auto parsed = error_of_object(error->as_object())) return parsed;
    return Error(Code::unknown, "end-of-stream error without a code");
}

}  // namespace bv::rpc
