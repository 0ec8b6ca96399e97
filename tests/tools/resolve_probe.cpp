// For the chroot test of name resolution (tests/integration/name_resolution_test.cpp): a
// static program that resolves a URL's host the way the host's programs do (c-ares, no NSS),
// GETs the URL with the project's HTTP client and TLS, and prints "HTTP <status>" (exit 0),
// or the error (exit 1).
// Usage: resolve-probe URL CA_FILE

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <exception>

#include "host/dns_resolver.hpp"
#include "rpc/http_client.hpp"
#include "rpc/tls.hpp"

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: resolve-probe URL CA_FILE\n");
        return 2;
    }
    namespace asio = boost::asio;
    bv::host::DnsResolverOptions options;
    options.timeout = std::chrono::seconds(5);
    bv::rpc::set_name_resolver(bv::host::make_dns_resolver(options));
    int exit_code = 1;
    try {
        const auto url = bv::rpc::parse_url_with_tls(argv[1], argv[2]);
        asio::io_context io;
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                bv::rpc::HttpClient client(io.get_executor(), url.endpoint);
                bv::rpc::HttpRequest request;
                request.method = "GET";
                request.target = url.base_path;
                const auto response =
                    co_await client.request(std::move(request), std::chrono::seconds(10));
                std::printf("HTTP %d\n", response.status);
            },
            [&](std::exception_ptr error) {
                try {
                    if (error) std::rethrow_exception(error);
                    exit_code = 0;
                } catch (const std::exception& failure) {
                    std::fprintf(stderr, "%s\n", failure.what());
                }
            });
        io.run();
    } catch (const std::exception& failure) {
        std::fprintf(stderr, "%s\n", failure.what());
    }
    return exit_code;
}
