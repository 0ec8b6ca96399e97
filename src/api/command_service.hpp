#pragma once

#include <boost/asio/awaitable.hpp>

#include "api/service_context.hpp"
#include "rpc/router.hpp"

namespace bv::api {

namespace asio = boost::asio;

// blockvisor.api.v1.CommandService: the hosts' command streams, and their acks and results.
class CommandService {
public:
    explicit CommandService(ServiceContext& context) : context_(context) {}
    void register_with(rpc::Router& router);

    // Commands not completed (oldest first) and a heartbeat, then new ones as they are issued, with
    // heartbeats in the silences. Ends with unauthenticated when the host is revoked, unavailable when bv-api
    // shuts down.
    asio::awaitable<void> subscribe(v1::SubscribeRequest request, rpc::StreamWriter<v1::SubscribeResponse>& writer,
                                    rpc::CallContext& call);
    asio::awaitable<v1::AckCommandResponse> ack(v1::AckCommandRequest request, rpc::CallContext& call);
    asio::awaitable<v1::CompleteCommandResponse> complete(v1::CompleteCommandRequest request, rpc::CallContext& call);

private:
    ServiceContext& context_;
};

}  // namespace bv::api
