#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "blockvisor/api/v1/command.pb.h"
#include "common/async_mutex.hpp"
#include "common/owned_tasks.hpp"
#include "daemon/node_manager.hpp"

namespace bv::daemon {

// What a command needs besides the node manager.
struct CommandHooks {
    // Makes sure an image (protocol/node_type/version) is in the cache, downloading it when not.
    std::function<asio::awaitable<void>(std::string image)> fetch_image;
    // The host as it registers itself (HostReportInfo).
    std::function<blockvisor::api::v1::HostInfo()> host_info;
    // A new release exists (HostUpdateNotice).
    std::function<asio::awaitable<void>(std::string version)> update_notice;
};

// Runs the control plane's commands through the node manager: the same path as the CLI's.
// Commands of one node run one after the other in the order they came (a start waits for
// the create before it, even when the create is downloading its image); different nodes
// proceed concurrently. Node operations run to their end when their caller goes away.
class CommandRunner {
public:
    CommandRunner(NodeManager& nodes, OwnedTasks& tasks, CommandHooks hooks);

    // Never throws for a command that fails: the failure is the result.
    asio::awaitable<blockvisor::api::v1::CommandResult> run(const blockvisor::api::v1::Command& command);

private:
    asio::awaitable<blockvisor::api::v1::CommandResult> run_node_command(const blockvisor::api::v1::Command& command);
    asio::awaitable<blockvisor::api::v1::CommandResult> run_in_turn(const blockvisor::api::v1::Command& command,
                                                                    const std::string& node);
    asio::awaitable<blockvisor::api::v1::CommandResult> run_host_command(const blockvisor::api::v1::Command& command);

    NodeManager& nodes_;
    OwnedTasks& tasks_;
    CommandHooks hooks_;
    // Per node: the order commands are run in.
    std::map<std::string, std::shared_ptr<AsyncMutex>> node_queues_;
};

}  // namespace bv::daemon
