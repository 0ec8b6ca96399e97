#pragma once

#include <cstdint>

#include "api/host_store.hpp"
#include "api/service_context.hpp"

namespace bv::api {

// A new access token (valid for the configured time from `now_ms`) and a new refresh token.
HostTokens issue_host_tokens(const ServiceSettings& settings, std::int64_t now_ms);
v1::Tokens to_message(const HostTokens& tokens);

}  // namespace bv::api
