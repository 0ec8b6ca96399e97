#include "api/node_service.hpp"

#include "api/authentication.hpp"
#include "common/log.hpp"
#include "rpc/error.hpp"

namespace bv::api {

void NodeService::register_with(rpc::Router& router) {
    router.unary("blockvisor.api.v1.NodeService/UpdateStatus", this, &NodeService::update_status);
}

asio::awaitable<v1::UpdateNodeStatusResponse> NodeService::update_status(v1::UpdateNodeStatusRequest request,
                                                                          rpc::CallContext& call) {
    const auto now = context_.now_ms();
    const auto host_id = authenticate_host(context_.store.hosts, call, request.host_id(), now);
    if (request.node_id().empty()) {
        throw rpc::Error(rpc::Code::invalid_argument, "UpdateNodeStatusRequest.node_id is missing");
    }
    if (context_.store.nodes.apply_status(host_id, request, now)) {
        log::debug("node {}: {} (sequence {})", request.node_id(), v1::NodeStatus_Name(request.status()),
                   request.sequence());
    }
    co_return v1::UpdateNodeStatusResponse();
}

}  // namespace bv::api
