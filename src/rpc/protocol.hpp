#pragma once

// The parts of the Connect protocol (https://connectrpc.com/docs/protocol) that are pure
// functions over headers and bodies: content types, timeouts, error bodies.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "rpc/error.hpp"

namespace bv::rpc {

enum class Codec { proto, json };

// Header names and media types compare case-insensitively.
std::string ascii_lowercase(std::string_view text);

struct ContentType {
    Codec codec;
    bool streaming;  // application/connect+{proto,json}: enveloped messages
};

// Accepts application/{proto,json} and application/connect+{proto,json}, case-insensitive,
// with parameters such as `; charset=utf-8`.
std::optional<ContentType> parse_content_type(std::string_view header);
std::string_view content_type_name(ContentType content_type);

inline constexpr std::string_view kProtocolVersionHeader = "Connect-Protocol-Version";
inline constexpr std::string_view kTimeoutHeader = "Connect-Timeout-Ms";

// Connect-Timeout-Ms is 1 to 10 ASCII digits; anything else is invalid (nullopt).
std::optional<std::chrono::milliseconds> parse_timeout(std::string_view header);

// {"code":"not_found","message":"..."}: the body of a unary error response.
std::string error_to_json(const Error& error);
// The error of a failed unary response: from its Connect error body when it has one, else
// from the HTTP status.
Error error_of_response(int http_status, std::string_view content_type, std::string_view body);

// The JSON of a stream's end: {} on success, {"error":{...}} on failure.
std::string end_of_stream_json(const Error* error);
// The error an end-of-stream message carries, if any. Throws Error(internal) when malformed.
std::optional<Error> error_of_end_of_stream(std::string_view json);

}  // namespace bv::rpc
