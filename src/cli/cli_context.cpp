#include "cli/cli_context.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <exception>

#include "common/paths.hpp"
#include "rpc/error.hpp"

namespace bv::cli {

std::filesystem::path CliContext::socket_path() const {
    if (!socket.empty()) return socket;
    return host_paths(resolve_root(root)).socket;
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
    } catch (const rpc::Error& error) {
        if (error.code() == rpc::Code::unavailable) {
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
