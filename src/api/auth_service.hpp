#pragma once

#include <boost/asio/awaitable.hpp>

#include "api/service_context.hpp"
#include "rpc/router.hpp"

namespace bv::api {

namespace asio = boost::asio;

// blockvisor.api.v1.AuthService: new access tokens for a refresh token.
class AuthService {
public:
    explicit AuthService(ServiceContext& context) : context_(context) {}
    void register_with(rpc::Router& router);

    asio::awaitable<v1::RefreshResponse> refresh(v1::RefreshRequest request, rpc::CallContext& call);

private:
    ServiceContext& context_;
};

}  // namespace bv::api
