#include "rpc/name_resolver.hpp"

#include <strings.h>

#include "rpc/error.hpp"

namespace bv::rpc {
namespace {

NameResolver& process_resolver() {
    static NameResolver resolver;
    return resolver;
}

bool is_localhost(const std::string& host) {
    return strcasecmp(host.c_str(), "localhost") == 0 ||
           strcasecmp(host.c_str(), "localhost.") == 0;
}

}  // namespace

void set_name_resolver(NameResolver resolver) {
    process_resolver() = std::move(resolver);
}

asio::awaitable<IpAddresses> resolve_host(std::string host) {
    boost::system::error_code not_literal;
    const auto literal = asio::ip::make_address(host, not_literal);
    if (!not_literal) co_return IpAddresses{literal};
    if (is_localhost(host)) co_return IpAddresses{asio::ip::make_address_v4("127.0.0.1")};
    const auto& resolver = process_resolver();
    if (!resolver) {
        throw Error(Code::unavailable, "cannot resolve the host name '" + host +
                                           "': this program looks up no names (use an IP address)");
    }
    co_return co_await resolver(std::move(host));
}

}  // namespace bv::rpc
