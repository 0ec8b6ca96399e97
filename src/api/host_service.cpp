#include "api/host_service.hpp"

#include "api/authentication.hpp"
#include "api/host_tokens.hpp"
#include "common/log.hpp"
#include "daemon/node_names.hpp"
#include "rpc/error.hpp"

namespace bv::api {

void HostService::register_with(rpc::Router& router) {
    router.unary("blockvisor.api.v1.HostService/Provision", this, &HostService::provision);
    router.unary("blockvisor.api.v1.HostService/UpdateStatus", this, &HostService::update_status);
}

asio::awaitable<v1::ProvisionResponse> HostService::provision(v1::ProvisionRequest request, rpc::CallContext&) {
    if (!request.has_info() || request.info().name().empty()) {
        throw rpc::Error(rpc::Code::invalid_argument,
                         "ProvisionRequest.info is missing the host's name (and what else the host has: version, "
                         "CPUs, memory, disk, OS, IP)");
    }
    const auto now = context_.now_ms();
    const auto tokens = issue_host_tokens(context_.settings, now);
    const auto host = context_.store.hosts.provision(request.otp(), daemon::new_node_id(), request.info(), tokens, now);
    log::info("host {} ({}, {}) provisioned", host.id(), host.info().name(), host.info().ip());
    v1::ProvisionResponse response;
    response.set_host_id(host.id());
    *response.mutable_tokens() = to_message(tokens);
    co_return response;
}

asio::awaitable<v1::UpdateHostStatusResponse> HostService::update_status(v1::UpdateHostStatusRequest request,
                                                                          rpc::CallContext& call) {
    const auto now = context_.now_ms();
    const auto host_id = authenticate_host(context_.store.hosts, call, request.host_id(), now);
    if (request.status() == v1::HOST_STATUS_UNSPECIFIED) {
        throw rpc::Error(rpc::Code::invalid_argument, "UpdateHostStatusRequest.status is missing");
    }
    context_.store.hosts.update_status(host_id, request.status(), request.message(), request.version(), now);
    log::info("host {}: {}{}{}", host_id, v1::HostStatus_Name(request.status()), request.message().empty() ? "" : ": ",
              request.message());
    co_return v1::UpdateHostStatusResponse();
}

}  // namespace bv::api
