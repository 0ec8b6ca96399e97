#include "api/auth_service.hpp"

#include "api/host_tokens.hpp"

namespace bv::api {

void AuthService::register_with(rpc::Router& router) {
    router.unary("blockvisor.api.v1.AuthService/Refresh", this, &AuthService::refresh);
}

asio::awaitable<v1::RefreshResponse> AuthService::refresh(v1::RefreshRequest request, rpc::CallContext&) {
    const auto now = context_.now_ms();
    // The refresh token stays the same: rotating it would strand a host whose answer got lost
    // on the way (its old token revoked, the new one never received).
    auto tokens = issue_host_tokens(context_.settings, now);
    tokens.refresh_token = request.refresh_token();
    context_.store.hosts.refresh(request.refresh_token(), tokens.access_token, tokens.access_expires_at_ms, now);
    v1::RefreshResponse response;
    *response.mutable_tokens() = to_message(tokens);
    co_return response;
}

}  // namespace bv::api
