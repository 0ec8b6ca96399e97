#pragma once

#include <boost/asio/awaitable.hpp>

#include "api/service_context.hpp"
#include "rpc/router.hpp"

namespace bv::api {

namespace asio = boost::asio;

// blockvisor.api.v1.NodeService: every change of a node's status, kept by highest sequence.
class NodeService {
public:
    explicit NodeService(ServiceContext& context) : context_(context) {}
    void register_with(rpc::Router& router);

    asio::awaitable<v1::UpdateNodeStatusResponse> update_status(v1::UpdateNodeStatusRequest request,
                                                                rpc::CallContext& call);

private:
    ServiceContext& context_;
};

}  // namespace bv::api
