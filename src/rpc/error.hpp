#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace bv::rpc {

// Connect error codes: https://connectrpc.com/docs/protocol#error-codes
enum class Code {
    canceled,
    unknown,
    invalid_argument,
    deadline_exceeded,
    not_found,
    already_exists,
    permission_denied,
    resource_exhausted,
    failed_precondition,
    aborted,
    out_of_range,
    unimplemented,
    internal,
    unavailable,
    data_loss,
    unauthenticated,
};

std::string_view code_name(Code code);
std::optional<Code> code_from_name(std::string_view name);

// The HTTP status a Connect server answers a unary call failing with this code.
int http_status_of(Code code);
// The code a Connect client assumes for an HTTP error without a Connect error body.
Code code_of_http_status(int status);

// The one error type that crosses an RPC boundary. Thrown by handlers and by clients.
class Error : public std::runtime_error {
public:
    Error(Code code, std::string message) : std::runtime_error(std::move(message)), code_(code) {}
    Code code() const { return code_; }

private:
    Code code_;
};

}  // namespace bv::rpc
