#include "api/key_service.hpp"

#include "api/authentication.hpp"
#include "common/log.hpp"
#include "rpc/error.hpp"

namespace bv::api {
namespace {

// The node, when it is the host's; nullopt when bv-api does not know it. Throws
// permission_denied for another host's node.
std::optional<admin::Node> node_of_host(Store& store, const std::string& host_id, const std::string& node_id) {
    auto node = store.nodes.find(node_id);
    if (node && node->host_id() != host_id) {
        throw rpc::Error(rpc::Code::permission_denied, "node " + node_id + " belongs to another host than " + host_id);
    }
    return node;
}

}  // namespace

void KeyService::register_with(rpc::Router& router) {
    router.unary("blockvisor.api.v1.KeyService/List", this, &KeyService::list);
    router.unary("blockvisor.api.v1.KeyService/Save", this, &KeyService::save);
}

asio::awaitable<v1::ListKeysResponse> KeyService::list(v1::ListKeysRequest request, rpc::CallContext& call) {
    const auto host_id = authenticate_host(context_.store.hosts, call, {}, context_.now_ms());
    v1::ListKeysResponse response;
    if (node_of_host(context_.store, host_id, request.node_id())) {
        for (const auto& stored : context_.store.keys.list(request.node_id())) {
            auto& key = *response.add_keys();
            key.set_name(stored.name());
            key.set_content(stored.content());
        }
    }
    co_return response;
}

asio::awaitable<v1::SaveKeysResponse> KeyService::save(v1::SaveKeysRequest request, rpc::CallContext& call) {
    const auto now = context_.now_ms();
    const auto host_id = authenticate_host(context_.store.hosts, call, {}, now);
    const auto node = node_of_host(context_.store, host_id, request.node_id());
    if (!node || node->status() == v1::NODE_STATUS_DELETED) {
        throw rpc::Error(rpc::Code::not_found, "no node " + request.node_id() + " on host " + host_id +
                                                   " in bv-api (it learns of a node from its create command or its "
                                                   "first status update)");
    }
    context_.store.keys.save(request.node_id(), request.keys(), now);
    log::info("node {}: {} key(s) saved", request.node_id(), request.keys_size());
    co_return v1::SaveKeysResponse();
}

}  // namespace bv::api
