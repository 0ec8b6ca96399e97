#pragma once

#include <boost/asio/awaitable.hpp>

#include "api/service_context.hpp"
#include "rpc/router.hpp"

namespace bv::api {

namespace asio = boost::asio;

// blockvisor.api.v1.KeyService: the keys of a host's nodes, kept for their next first start.
class KeyService {
public:
    explicit KeyService(ServiceContext& context) : context_(context) {}
    void register_with(rpc::Router& router);

    asio::awaitable<v1::ListKeysResponse> list(v1::ListKeysRequest request, rpc::CallContext& call);
    asio::awaitable<v1::SaveKeysResponse> save(v1::SaveKeysRequest request, rpc::CallContext& call);

private:
    ServiceContext& context_;
};

}  // namespace bv::api
