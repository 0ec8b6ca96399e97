#include "daemon/node_service.hpp"

#include <boost/asio/this_coro.hpp>

#include "babel/node_contract.hpp"
#include "common/async.hpp"
#include "common/wall_clock.hpp"
#include "host/node_words.hpp"
#include "rpc/connect_client.hpp"
#include "rpc/error.hpp"

namespace bv::daemon {
namespace {

namespace babel_v1 = blockvisor::babel::v1;
using namespace std::chrono_literals;

constexpr auto kQuickCall = 10s;

}  // namespace

NodeService::NodeService(NodeManager& nodes, EventBus& events, MetricsCollector& metrics, OwnedTasks& tasks)
    : nodes_(nodes), events_(events), metrics_(metrics), tasks_(tasks) {}

void NodeService::register_with(rpc::Router& router) {
    router.unary("blockvisor.v1.NodeService/Create", this, &NodeService::create);
    router.unary("blockvisor.v1.NodeService/Start", this, &NodeService::start);
    router.unary("blockvisor.v1.NodeService/Stop", this, &NodeService::stop);
    router.unary("blockvisor.v1.NodeService/Restart", this, &NodeService::restart);
    router.unary("blockvisor.v1.NodeService/Upgrade", this, &NodeService::upgrade);
    router.unary("blockvisor.v1.NodeService/Delete", this, &NodeService::remove);
    router.unary("blockvisor.v1.NodeService/List", this, &NodeService::list);
    router.unary("blockvisor.v1.NodeService/Get", this, &NodeService::get);
    router.server_stream("blockvisor.v1.NodeService/Logs", this, &NodeService::logs);
    router.unary("blockvisor.v1.NodeService/Keys", this, &NodeService::keys);
    router.unary("blockvisor.v1.NodeService/Capabilities", this, &NodeService::capabilities);
    router.unary("blockvisor.v1.NodeService/Run", this, &NodeService::run);
    router.unary("blockvisor.v1.NodeService/Metrics", this, &NodeService::node_metrics);
    router.server_stream("blockvisor.v1.NodeService/Watch", this, &NodeService::watch);
}

// The operations that change a node run to their end even when the caller goes away or its
// deadline passes: a node is never left half created, started or deleted.

asio::awaitable<v1::NodeInfo> NodeService::create(v1::CreateNodeRequest request, rpc::CallContext&) {
    co_return co_await tasks_.run_shielded(nodes_.create(std::move(request)));
}

asio::awaitable<v1::NodeInfo> NodeService::start(v1::NodeRef request, rpc::CallContext&) {
    co_return co_await tasks_.run_shielded(nodes_.start(request.node()));
}

asio::awaitable<v1::NodeInfo> NodeService::stop(v1::StopNodeRequest request, rpc::CallContext&) {
    co_return co_await tasks_.run_shielded(nodes_.stop(request.node(), request.force()));
}

asio::awaitable<v1::NodeInfo> NodeService::restart(v1::StopNodeRequest request, rpc::CallContext&) {
    co_return co_await tasks_.run_shielded(nodes_.restart(request.node(), request.force()));
}

asio::awaitable<v1::NodeInfo> NodeService::upgrade(v1::UpgradeNodeRequest request, rpc::CallContext&) {
    co_return co_await tasks_.run_shielded(nodes_.upgrade(request.node(), request.image()));
}

asio::awaitable<v1::DeleteNodeResponse> NodeService::remove(v1::NodeRef request, rpc::CallContext&) {
    v1::DeleteNodeResponse response;
    response.set_id(co_await tasks_.run_shielded(nodes_.remove(request.node())));
    co_return response;
}

asio::awaitable<rpc::Encoded<v1::ListNodesResponse>> NodeService::list(v1::ListNodesRequest request, rpc::CallContext&) {
    const NodeListFilter filter{request.running_only(), request.image_filter()};
    if (request.table_only()) co_return rpc::Encoded<v1::ListNodesResponse>{nodes_.encoded_rows(filter)};
    const auto response = rpc::OnArena<v1::ListNodesResponse>::make();
    nodes_.list_into(*response.message->mutable_nodes(), filter);
    co_return rpc::Encoded<v1::ListNodesResponse>{rpc::encode_proto(*response.message)};
}

asio::awaitable<v1::NodeInfo> NodeService::get(v1::NodeRef request, rpc::CallContext&) {
    auto info = nodes_.info(request.node());
    if (info.status() != v1::NODE_STATUS_RUNNING) co_return info;
    try {
        auto node = nodes_.client_of_running(info.id());
        const auto status = co_await node.call(babel::procedures::get_status, babel_v1::GetStatusRequest(), 3s);
        for (const auto& entry : status.entry_points()) {
            auto* added = info.add_entry_points();
            added->set_name(entry.name());
            added->set_pid(entry.pid());
            added->set_restarts(entry.restarts());
            added->set_last_exit(entry.last_exit());
        }
    } catch (const rpc::Error&) {
        // The details are a bonus: the node's own state is what matters here.
    }
    co_return info;
}

asio::awaitable<void> NodeService::logs(v1::NodeLogsRequest request, rpc::StreamWriter<v1::NodeLogsResponse>& out,
                                        rpc::CallContext&) {
    auto node = nodes_.client_of_running(request.node());
    babel_v1::LogsRequest forwarded;
    forwarded.set_lines(request.lines());
    forwarded.set_follow(request.follow());
    auto stream = co_await node.open_stream(babel::procedures::node_logs, forwarded);
    for (;;) {
        const auto message = co_await stream.next();
        if (!message) break;
        v1::NodeLogsResponse response;
        for (const auto& line : message->lines()) {
            auto* added = response.add_lines();
            added->set_source(line.source());
            added->set_text(line.text());
        }
        co_await out.write(response);
    }
}

asio::awaitable<v1::NodeKeysResponse> NodeService::keys(v1::NodeRef request, rpc::CallContext&) {
    auto node = nodes_.client_of_running(request.node());
    const auto downloaded = co_await node.call(babel::procedures::download_keys, babel_v1::DownloadKeysRequest(), kQuickCall);
    v1::NodeKeysResponse response;
    for (const auto& key : downloaded.keys()) {
        auto* added = response.add_keys();
        added->set_name(key.name());
        added->set_content(key.content());
    }
    co_return response;
}

asio::awaitable<v1::CapabilitiesResponse> NodeService::capabilities(v1::NodeRef request, rpc::CallContext&) {
    v1::CapabilitiesResponse response;
    for (const auto& name : nodes_.image_of(request.node()).config.method_names()) response.add_methods(name);
    co_return response;
}

asio::awaitable<v1::RunMethodResponse> NodeService::run(v1::RunMethodRequest request, rpc::CallContext& context) {
    auto node = nodes_.client_of_running(request.node());
    babel_v1::RunRequest forwarded;
    forwarded.set_method(request.method());
    forwarded.mutable_params()->insert(request.params().begin(), request.params().end());
    forwarded.set_timeout_ms(request.timeout_ms());
    // babel enforces the method's timeout; this one only bounds a babel that does not answer.
    const auto timeout = std::chrono::milliseconds(request.timeout_ms() == 0 ? 15'000 : request.timeout_ms()) + 5s;
    const auto result = co_await node.call(babel::procedures::run, forwarded, timeout);
    v1::RunMethodResponse response;
    response.set_value(result.value());
    co_return response;
}

asio::awaitable<v1::NodeMetrics> NodeService::node_metrics(v1::NodeRef request, rpc::CallContext&) {
    co_return co_await metrics_.node_metrics(request.node());
}

asio::awaitable<void> NodeService::watch(v1::WatchRequest request, rpc::StreamWriter<v1::NodeEvent>& out, rpc::CallContext&) {
    const auto only = request.node().empty() ? std::string() : nodes_.info(request.node()).id();
    auto subscription = events_.subscribe();
    for (;;) {
        const auto event = co_await subscription->next();
        if (!event) {
            // Fell behind and lost events: the current state of every node instead.
            v1::NodeEvent resync;
            resync.set_kind(v1::NODE_EVENT_KIND_RESYNC);
            resync.set_at_ms(unix_time_ms());
            co_await out.write(resync);
            for (const auto& current : nodes_.current_statuses()) {
                if (only.empty() || current.node_id() == only) co_await out.write(current);
            }
            continue;
        }
        if (only.empty() || event->node_id() == only) co_await out.write(*event);
    }
}

}  // namespace bv::daemon
