#pragma once

#include "common/owned_tasks.hpp"
#include "blockvisor/v1/node.pb.h"
#include "daemon/event_bus.hpp"
#include "daemon/metrics_collector.hpp"
#include "daemon/node_manager.hpp"
#include "rpc/router.hpp"

namespace bv::daemon {

// blockvisor.v1.NodeService: the local API of nodes, on top of the node manager.
class NodeService {
public:
    // Node operations run in `tasks`: to their end, whoever stops waiting for them.
    NodeService(NodeManager& nodes, EventBus& events, MetricsCollector& metrics, OwnedTasks& tasks);
    void register_with(rpc::Router& router);

    asio::awaitable<v1::NodeInfo> create(v1::CreateNodeRequest request, rpc::CallContext&);
    asio::awaitable<v1::NodeInfo> start(v1::NodeRef request, rpc::CallContext&);
    asio::awaitable<v1::NodeInfo> stop(v1::StopNodeRequest request, rpc::CallContext&);
    asio::awaitable<v1::NodeInfo> restart(v1::StopNodeRequest request, rpc::CallContext&);
    asio::awaitable<v1::NodeInfo> upgrade(v1::UpgradeNodeRequest request, rpc::CallContext&);
    asio::awaitable<v1::DeleteNodeResponse> remove(v1::NodeRef request, rpc::CallContext&);
    asio::awaitable<rpc::Encoded<v1::ListNodesResponse>> list(v1::ListNodesRequest request, rpc::CallContext&);
    asio::awaitable<v1::NodeInfo> get(v1::NodeRef request, rpc::CallContext&);
    asio::awaitable<void> logs(v1::NodeLogsRequest request, rpc::StreamWriter<v1::NodeLogsResponse>& out, rpc::CallContext&);
    asio::awaitable<v1::NodeKeysResponse> keys(v1::NodeRef request, rpc::CallContext&);
    asio::awaitable<v1::CapabilitiesResponse> capabilities(v1::NodeRef request, rpc::CallContext&);
    asio::awaitable<v1::RunMethodResponse> run(v1::RunMethodRequest request, rpc::CallContext&);
    asio::awaitable<v1::NodeMetrics> node_metrics(v1::NodeRef request, rpc::CallContext&);
    asio::awaitable<void> watch(v1::WatchRequest request, rpc::StreamWriter<v1::NodeEvent>& out, rpc::CallContext&);

private:
    NodeManager& nodes_;
    EventBus& events_;
    MetricsCollector& metrics_;
    OwnedTasks& tasks_;
};

}  // namespace bv::daemon
