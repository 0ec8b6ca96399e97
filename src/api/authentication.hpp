#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "api/host_store.hpp"
#include "rpc/router.hpp"

namespace bv::api {

// The token of `Authorization: Bearer <token>`. Throws rpc::Error(unauthenticated) when the
// header is missing or of another scheme.
std::string_view bearer_token(const rpc::CallContext& context);

// The id of the host whose valid access token the call carries. When the request names a host
// (`claimed_host_id` not empty), it must be that one (else permission_denied).
std::string authenticate_host(HostStore& hosts, const rpc::CallContext& context, std::string_view claimed_host_id,
                              std::int64_t now_ms);

// Throws rpc::Error(unauthenticated) unless the call carries the admin token.
void authenticate_admin(const rpc::CallContext& context, std::string_view admin_token);

}  // namespace bv::api
