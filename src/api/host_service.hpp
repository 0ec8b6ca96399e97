#pragma once

#include <boost/asio/awaitable.hpp>

#include "api/service_context.hpp"
#include "rpc/router.hpp"

namespace bv::api {

namespace asio = boost::asio;

// blockvisor.api.v1.HostService: hosts register with a one-time password, then report their state.
class HostService {
public:
    explicit HostService(ServiceContext& context) : context_(context) {}
    void register_with(rpc::Router& router);

    asio::awaitable<v1::ProvisionResponse> provision(v1::ProvisionRequest request, rpc::CallContext& call);
    asio::awaitable<v1::UpdateHostStatusResponse> update_status(v1::UpdateHostStatusRequest request,
                                                                rpc::CallContext& call);

private:
    ServiceContext& context_;
};

}  // namespace bv::api
