#include "api/admin_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>

#include "api/data_dir.hpp"
#include "api/server_address.hpp"
#include "rpc/error.hpp"
#include "rpc/tls.hpp"

namespace bv::api {

int run_admin_command(const AdminContext& context, const AdminCommand& command) {
    const DataDir dir{context.data_dir};
    asio::io_context io;
    std::string server_url;
    try {
        const auto info = read_server_info(dir.server_info());
        const auto host = local_address(info.listening);
        server_url = "https://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                     std::to_string(info.listening.port);
        auto endpoint = rpc::tcp_endpoint(host, info.listening.port);
        endpoint.tls = rpc::make_tls_client(dir.ca_certificate().string());
        rpc::ConnectClientOptions options;
        options.headers.push_back({"Authorization", "Bearer " + read_admin_token(dir.admin_token())});
        rpc::ConnectClient client(io.get_executor(), std::move(endpoint), std::move(options));
        std::exception_ptr failure;
        asio::co_spawn(io, command(context, client), [&](std::exception_ptr error) { failure = error; });
        io.run();
        if (failure) std::rethrow_exception(failure);
        return 0;
    } catch (const rpc::Error& error) {
        if (error.code() == rpc::Code::unavailable && !server_url.empty()) {
            std::fprintf(stderr, "bv-api: cannot reach bv-api at %s: %s; is it running? Start it with 'bv-api serve --data %s'\n",
                         server_url.c_str(), error.what(), dir.root.c_str());
        } else {
            std::fprintf(stderr, "bv-api: %s\n", error.what());
        }
    } catch (const std::exception& error) {
        std::fprintf(stderr, "bv-api: %s\n", error.what());
    }
    return 1;
}

}  // namespace bv::api
