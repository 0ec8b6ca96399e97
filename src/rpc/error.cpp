#include "rpc/error.hpp"

#include <array>
#include <utility>

namespace bv::rpc {
namespace {

struct CodeInfo {
    Code code;
    std::string_view name;
    int http_status;
};

// Names and HTTP statuses as in the Connect protocol's error code table.
constexpr std::array<CodeInfo, 16> kCodes{{
    {Code::canceled, "canceled", 499},
    {Code::unknown, "unknown", 500},
    {Code::invalid_argument, "invalid_argument", 400},
    {Code::deadline_exceeded, "deadline_exceeded", 504},
    {Code::not_found, "not_found", 404},
    {Code::already_exists, "already_exists", 409},
    {Code::permission_denied, "permission_denied", 403},
    {Code::resource_exhausted, "resource_exhausted", 429},
    {Code::failed_precondition, "failed_precondition", 400},
    {Code::aborted, "aborted", 409},
    {Code::out_of_range, "out_of_range", 400},
    {Code::unimplemented, "unimplemented", 501},
    {Code::internal, "internal", 500},
    {Code::unavailable, "unavailable", 503},
    {Code::data_loss, "data_loss", 500},
    {Code::unauthenticated, "unauthenticated", 401},
}};

const CodeInfo& info_of(Code code) { return kCodes[static_cast<std::size_t>(code)]; }

}  // namespace

std::string_view code_name(Code code) { return info_of(code).name; }

std::optional<Code> code_from_name(std::string_view name) {
    for (const auto& info : kCodes) {
        if (info.name == name) return info.code;
    }
    return std::nullopt;
}

int http_status_of(Code code) { return info_of(code).http_status; }

Code code_of_http_status(int status) {
    // The mapping Connect clients use when an error response carries no Connect error body.
    switch (status) {
        case 400: return Code::internal;
        case 401: return Code::unauthenticated;
        case 403: return Code::permission_denied;
        case 404: return Code::unimplemented;
        case 429:
        case 502:
        case 503:
        case 504: return Code::unavailable;
        default: return Code::unknown;
    }
}

}  // namespace bv::rpc
