#include "cli/cli_context.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <cstdio>
#include <exception>
#include <string_view>

#include "host/paths.hpp"
#include "rpc/error.hpp"

namespace bv::cli {

std::filesystem::path CliContext::socket_path() const {
    if (!socket.empty()) return socket;
    return host_paths(resolve_root(root)).socket;
}

namespace {

// Runs `command` until it ends or SIGINT arrives, whichever is first; the other is cancelled.
// Rethrows what the command threw, unless it was interrupted.
asio::awaitable<void> until_interrupted(asio::awaitable<void> command) {
    const auto executor = co_await asio::this_coro::executor;
    asio::signal_set interrupt(executor, SIGINT);
    auto group = asio::experimental::make_parallel_group(
        asio::co_spawn(executor, std::move(command), asio::deferred), interrupt.async_wait(asio::deferred));
    const auto [order, failure, signal_error, signal_number] =
        co_await group.async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
    if (order[0] == 0 && failure) std::rethrow_exception(failure);
}

}  // namespace

bool is_daemon_unreachable(const CliContext& context, const rpc::Error& error) {
    // Only failures to reach bvd itself (not a node's client being down): the client's message
    // names the socket it could not reach.
    const std::string_view message = error.what();
    return error.code() == rpc::Code::unavailable &&
           message.find(context.socket_path().string()) != std::string_view::npos;
}

int run_until_interrupted(const CliContext& context, DaemonCommand command) {
    return run_against_daemon(context, [&command](rpc::ConnectClient& client) {
        return until_interrupted(command(client));
    });
}

int run_against_daemon(const CliContext& context, DaemonCommand command) {
    asio::io_context io;
    const auto socket = context.socket_path();
    rpc::ConnectClient client(io.get_executor(), rpc::unix_endpoint(socket.string()));
    std::exception_ptr failure;
    asio::co_spawn(io, command(client), [&](std::exception_ptr error) { failure = error; });
    io.run();
    if (!failure) return 0;
    try {
        std::rethrow_exception(failure);
    } catch (const FailureReported&) {
        // Already on stderr.
    } catch (const rpc::Error& error) {
        if (is_daemon_unreachable(context, error)) {
            std::fprintf(stderr, "bv: %s; is bvd running? Start it with 'bvd --root %s'\n", error.what(),
                         resolve_root(context.root).c_str());
        } else {
            std::fprintf(stderr, "bv: %s\n", error.what());
        }
    } catch (const std::exception& error) {
        std::fprintf(stderr, "bv: %s\n", error.what());
    }
    return 1;
}

}  // namespace bv::cli
