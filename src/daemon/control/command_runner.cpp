#include "daemon/control/command_runner.hpp"

#include "common/log.hpp"
#include "daemon/control/api_messages.hpp"
#include "rpc/error.hpp"

namespace bv::daemon {
namespace {

api_v1::CommandResult failure(rpc::Code code, const std::string& message) {
    api_v1::CommandResult result;
    result.set_success(false);
    result.set_error_code(std::string(rpc::code_name(code)));
    result.set_error_message(message);
    return result;
}

api_v1::CommandResult success_with(const v1::NodeInfo& node) {
    api_v1::CommandResult result;
    result.set_success(true);
    *result.mutable_node() = api_node_info(node);
    return result;
}

}  // namespace

CommandRunner::CommandRunner(NodeManager& nodes, OwnedTasks& tasks, CommandHooks hooks)
    : nodes_(nodes), tasks_(tasks), hooks_(std::move(hooks)) {}

asio::awaitable<api_v1::CommandResult> CommandRunner::run(const api_v1::Command& command) {
    std::optional<api_v1::CommandResult> result;
    try {
        if (node_of_command(command).empty()) {
            result = co_await run_host_command(command);
        } else {
            result = co_await run_node_command(command);
        }
    } catch (const rpc::Error& error) {
        result = failure(error.code(), error.what());
    } catch (const std::exception& error) {
        result = failure(rpc::Code::internal, error.what());
    }
    if (!result->success()) {
        log::warn("command {} ({}): {}: {}", command.id(), command_kind_name(command), result->error_code(),
                  result->error_message());
    }
    co_return std::move(*result);
}

asio::awaitable<api_v1::CommandResult> CommandRunner::run_node_command(const api_v1::Command& command) {
    const auto node = node_of_command(command);
    auto& entry = node_queues_[node];
    if (!entry) entry = std::make_shared<AsyncMutex>();
    const auto queue = entry;  // the map may change while this waits
    std::optional<api_v1::CommandResult> result;
    {
        const auto turn = co_await queue->lock();
        result = co_await run_in_turn(command, node);
    }
    // Nobody else waits: the node's queue goes (it is made again for its next command).
    if (queue.use_count() == 2 && !queue->locked()) node_queues_.erase(node);
    co_return std::move(*result);
}

asio::awaitable<api_v1::CommandResult> CommandRunner::run_in_turn(const api_v1::Command& command, const std::string& node) {
    switch (command.kind_case()) {
        case api_v1::Command::kNodeCreate: {
            const auto& create = command.node_create();
            co_await hooks_.fetch_image(create.image());
            co_return success_with(co_await tasks_.run_shielded(nodes_.create(create_request_of(create))));
        }
        case api_v1::Command::kNodeStart:
            co_return success_with(co_await tasks_.run_shielded(nodes_.start(node)));
        case api_v1::Command::kNodeStop:
            co_return success_with(co_await tasks_.run_shielded(nodes_.stop(node, command.node_stop().force())));
        case api_v1::Command::kNodeRestart:
            co_return success_with(co_await tasks_.run_shielded(nodes_.restart(node, command.node_restart().force())));
        case api_v1::Command::kNodeUpgrade: {
            const auto& image = command.node_upgrade().image();
            co_await hooks_.fetch_image(image);
            co_return success_with(co_await tasks_.run_shielded(nodes_.upgrade(node, image)));
        }
        case api_v1::Command::kNodeDelete: {
            co_await tasks_.run_shielded(nodes_.remove(node));
            api_v1::CommandResult result;
            result.set_success(true);
            co_return result;
        }
        default:
            co_return failure(rpc::Code::internal, "not a node command");
    }
}

asio::awaitable<api_v1::CommandResult> CommandRunner::run_host_command(const api_v1::Command& command) {
    api_v1::CommandResult result;
    switch (command.kind_case()) {
        case api_v1::Command::kHostReportInfo:
            *result.mutable_host() = hooks_.host_info();
            break;
        case api_v1::Command::kHostUpdateNotice:
            co_await hooks_.update_notice(command.host_update_notice().version());
            break;
        default:
            co_return failure(rpc::Code::unimplemented, "command " + command.id() +
                                                            " is of a kind this bvd does not know (a newer control "
                                                            "plane?): update BlockVisor");
    }
    result.set_success(true);
    co_return result;
}

}  // namespace bv::daemon
