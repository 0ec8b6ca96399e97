#include "rpc/endpoint.hpp"

#include <boost/url/parse.hpp>
#include <stdexcept>

namespace bv::rpc {

std::string Endpoint::host_header() const {
    if (host.empty()) return "localhost";
    const bool ipv6 = host.find(':') != std::string::npos;
    return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Endpoint unix_endpoint(std::string path) {
    Endpoint endpoint;
    endpoint.description = "unix socket " + path;
    endpoint.unix_path = std::move(path);
    return endpoint;
}

Endpoint tcp_endpoint(std::string host, std::uint16_t port) {
    Endpoint endpoint;
    endpoint.description = host + ":" + std::to_string(port);
    endpoint.host = std::move(host);
    endpoint.port = port;
    return endpoint;
}

Endpoint custom_endpoint(Connector connector, std::string description) {
    Endpoint endpoint;
    endpoint.connector = std::move(connector);
    endpoint.description = std::move(description);
    return endpoint;
}

HttpUrl parse_http_url(const std::string& url) {
    const auto parsed = boost::urls::parse_uri(url);
    if (!parsed) throw std::invalid_argument("'" + url + "' is not a valid URL: " + parsed.error().message());
    const auto scheme = parsed->scheme();
    if (scheme != "http" && scheme != "https") {
        throw std::invalid_argument("'" + url + "' is not an http:// or https:// URL");
    }
    if (parsed->encoded_host().empty()) throw std::invalid_argument("'" + url + "' has no host");
    const bool tls = scheme == "https";
    std::uint16_t port = tls ? 443 : 80;
    if (parsed->has_port()) {
        if (parsed->port_number() == 0) throw std::invalid_argument("'" + url + "' has an invalid port");
        port = parsed->port_number();
    }
    // An IPv6 host comes as "[::1]"; sockets want it without the brackets.
    std::string host = parsed->host_address();
    HttpUrl result{tcp_endpoint(host, port), std::string(parsed->encoded_path()), std::string(parsed->encoded_query()),
                   {}, tls};
    if (result.base_path.empty()) result.base_path = "/";
    if (parsed->has_userinfo()) result.user_info = parsed->userinfo();
    // Not the URL itself: it may hold a password.
    result.endpoint.description = std::string(scheme) + "://" + result.endpoint.host_header();
    return result;
}

}  // namespace bv::rpc
