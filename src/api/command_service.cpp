#include "api/command_service.hpp"

#include "api/authentication.hpp"
#include "common/log.hpp"
#include "rpc/error.hpp"

namespace bv::api {
namespace {

using Clock = std::chrono::steady_clock;

v1::SubscribeResponse heartbeat(const ServiceContext& context) {
    v1::SubscribeResponse message;
    message.mutable_heartbeat()->set_at_ms(context.now_ms());
    message.mutable_heartbeat()->set_interval_ms(static_cast<std::uint32_t>(context.settings.heartbeat.count()));
    return message;
}

}  // namespace

void CommandService::register_with(rpc::Router& router) {
    router.server_stream("blockvisor.api.v1.CommandService/Subscribe", this, &CommandService::subscribe);
    router.unary("blockvisor.api.v1.CommandService/Ack", this, &CommandService::ack);
    router.unary("blockvisor.api.v1.CommandService/Complete", this, &CommandService::complete);
}

asio::awaitable<void> CommandService::subscribe(v1::SubscribeRequest request,
                                                rpc::StreamWriter<v1::SubscribeResponse>& writer,
                                                rpc::CallContext& call) {
    auto& store = context_.store;
    const auto host_id = authenticate_host(store.hosts, call, request.host_id(), context_.now_ms());
    CommandFeed::Subscription subscription(context_.feed, host_id);
    auto& feed = subscription.host();
    log::info("host {}: command stream opened", host_id);
    // Delivered in this stream: a command is sent once per stream; a new stream starts again with
    // every command not completed (the host answers a redelivered one from its journal).
    std::int64_t last_sent = 0;
    auto silent_since = Clock::now();
    bool backlog_sent = false;
    for (;;) {
        if (context_.feed.closed()) throw rpc::Error(rpc::Code::unavailable, "bv-api is shutting down: reconnect");
        if (store.hosts.is_revoked(host_id)) {
            throw rpc::Error(rpc::Code::unauthenticated,
                             "the host's tokens were revoked: provision it again with a new one-time password");
        }
        const auto seen = feed.generation;
        for (auto& pending : store.commands.undelivered(host_id, last_sent)) {
            v1::SubscribeResponse message;
            *message.mutable_command() = std::move(pending.command);
            co_await writer.write(message);
            last_sent = pending.sequence;
            silent_since = Clock::now();
        }
        // Something was issued while the commands above were written: look again first.
        if (feed.generation != seen) continue;
        // A heartbeat right after the commands pending at the start: the host learns the interval
        // at once, and that its backlog is all there.
        bool woken = false;
        if (backlog_sent) woken = co_await feed.changed.wait_until(silent_since + context_.settings.heartbeat);
        backlog_sent = true;
        if (!woken) {
            co_await writer.write(heartbeat(context_));
            silent_since = Clock::now();
        }
    }
}

asio::awaitable<v1::AckCommandResponse> CommandService::ack(v1::AckCommandRequest request, rpc::CallContext& call) {
    const auto now = context_.now_ms();
    const auto host_id = authenticate_host(context_.store.hosts, call, {}, now);
    context_.store.commands.ack(host_id, request.command_id(), now);
    co_return v1::AckCommandResponse();
}

asio::awaitable<v1::CompleteCommandResponse> CommandService::complete(v1::CompleteCommandRequest request,
                                                                      rpc::CallContext& call) {
    const auto now = context_.now_ms();
    const auto host_id = authenticate_host(context_.store.hosts, call, {}, now);
    if (context_.fleet.complete_command(host_id, request, now)) {
        const auto& result = request.result();
        log::info("host {}: command {} completed: {}", host_id, request.command_id(),
                  result.success() ? std::string("ok") : result.error_code() + ": " + result.error_message());
    }
    co_return v1::CompleteCommandResponse();
}

}  // namespace bv::api
