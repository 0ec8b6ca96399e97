#include "babel/method_engine.hpp"

#include <signal.h>

#include <nettle/base64.h>

#include <boost/json.hpp>

#include "babel/method_text.hpp"
#include "common/async.hpp"
#include "rpc/endpoint.hpp"
#include "rpc/error.hpp"

namespace bv::babel {
namespace {

std::string_view transport_name(Transport transport) {
    switch (transport) {
        case Transport::jrpc: return "jrpc";
        case Transport::rest: return "rest";
        case Transport::sh: return "sh";
    }
    return "?";
}

std::string excerpt(std::string_view text, std::size_t limit = 300) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    if (text.size() <= limit) return std::string(text);
    return std::string(text.substr(0, limit)) + "...";
}

std::string base64(std::string_view data) {
    std::string encoded(BASE64_ENCODE_RAW_LENGTH(data.size()), '\0');
    base64_encode_raw(encoded.data(), data.size(), reinterpret_cast<const std::uint8_t*>(data.data()));
    return encoded;
}

// Joins api_host's path and a rest method's path: "/" + "eth/v1/x" and "/api/" + "/x" alike.
std::string join_path(const std::string& base, std::string_view path) {
    while (path.starts_with('/')) path.remove_prefix(1);
    return (base.ends_with('/') ? base : base + "/") + std::string(path);
}

}  // namespace

struct MethodEngine::Client {
    rpc::HttpUrl url;
    rpc::HttpClient http;
};

MethodEngine::MethodEngine(ChildProcesses& children) : children_(children) {}
MethodEngine::~MethodEngine() = default;

MethodEngine::Client& MethodEngine::client_for(const std::string& api_host) {
    auto& client = clients_[api_host];
    if (!client) {
        auto url = rpc::parse_http_url(api_host);
        if (url.https) {
            // The node side links no TLS: the chain's API is reached inside the node.
            throw rpc::Error(rpc::Code::failed_precondition,
                             "api_host '" + url.endpoint.description + "' is https, which babel does not speak: use "
                             "the client's plain http API inside the node");
        }
        // Kept alive for the calls of a burst (a connection set up and torn down was most of
        // babel's CPU per call), and shut down once idle: litecoind 0.21 waits for idle
        // connections before it exits (kept for good, NodeComesBackAfterARestartWithoutBvd lost
        // the chain's last blocks, litecoind killed at the end of its stop's grace instead of
        // flushing). Its stop now waits at most kChainIdleTimeout.
        rpc::HttpClient http(children_.executor(), url.endpoint,
                             {.max_response_body = kMaxResultBytes, .idle_timeout = kChainIdleTimeout});
        client = std::make_unique<Client>(Client{std::move(url), std::move(http)});
    }
    return *client;
}

asio::awaitable<std::string> MethodEngine::run(const NodeSetup& setup, const std::string& name,
                                               const std::map<std::string, std::string>& params,
                                               std::chrono::milliseconds timeout) {
    const auto* method = setup.config.find_method(name);
    if (method == nullptr) {
        std::string known;
        for (const auto& method_name : setup.config.method_names()) known += (known.empty() ? "" : ", ") + method_name;
        throw rpc::Error(rpc::Code::not_found, "no method '" + name + "' in the node's config (it has: " + known + ")");
    }
    if (!method->finished()) {
        throw rpc::Error(rpc::Code::failed_precondition,
                         "method '" + name + "' is not finished in the node's config: " + method->what_is_missing() +
                             " (the image's babel.toml must fill it in; babel check-config lists what is missing)");
    }
    std::map<std::string, std::string> values(setup.request.properties().begin(), setup.request.properties().end());
    for (const auto& [key, value] : params) values[key] = value;
    auto context = "method '" + name + "' (" + std::string(transport_name(method->transport));
    if (method->transport != Transport::sh) context += " " + method->method;
    context += ")";
    try {
        if (method->transport == Transport::sh) co_return co_await run_shell(setup, *method, values, timeout);
        co_return co_await run_http(setup, *method, values, timeout);
    } catch (const rpc::Error& error) {
        throw rpc::Error(error.code(), context + ": " + error.what());
    } catch (const MethodTextError& error) {
        throw rpc::Error(rpc::Code::failed_precondition, context + ": " + error.what());
    }
}

asio::awaitable<std::string> MethodEngine::run_http(const NodeSetup& setup, const Method& method,
                                                    const std::map<std::string, std::string>& values,
                                                    std::chrono::milliseconds timeout) {
    auto& client = client_for(setup.config.config.api_host);
    rpc::HttpRequest request;
    if (method.transport == Transport::jrpc) {
        std::string body = R"({"jsonrpc":"2.0","id":)" + std::to_string(next_request_id_++) + R"(,"method":")" +
                           json_escape(method.method) + "\"";
        if (!method.params.empty()) {
            std::string params;
            try {
                params = fill_placeholders(method.params, values);
            } catch (const MethodTextError& error) {
                throw rpc::Error(rpc::Code::invalid_argument, error.what());
            }
            boost::system::error_code ec;
            boost::json::parse(params, ec);
            if (ec) throw rpc::Error(rpc::Code::invalid_argument, "params are not valid JSON after filling in: " + excerpt(params));
            body += ",\"params\":" + params;
        }
        request.body = body + "}";
        request.target = client.url.base_path;
        request.headers.push_back({"Content-Type", "application/json"});
    } else {
        request.method = "GET";
        request.target = join_path(client.url.base_path, method.method);
    }
    if (!client.url.user_info.empty()) request.headers.push_back({"Authorization", "Basic " + base64(client.url.user_info)});

    const auto where = method.transport == Transport::jrpc ? "at " + client.http.endpoint().description
                                                           : "GET " + request.target;
    const auto response = co_await client.http.request(std::move(request), timeout);
    boost::system::error_code ec;
    const auto json = boost::json::parse(response.body, ec);
    if (method.transport == Transport::jrpc && !ec && json.is_object()) {
        const auto* error = json.as_object().if_contains("error");
        if (error != nullptr && !error->is_null()) {
            throw rpc::Error(rpc::Code::failed_precondition, where + ": the client answered with an error: " +
                                                                 excerpt(boost::json::serialize(*error)));
        }
    }
    if (response.status < 200 || response.status > 299) {
        throw rpc::Error(rpc::Code::failed_precondition,
                         where + ": the client answered HTTP " + std::to_string(response.status) + ": " + excerpt(response.body));
    }
    co_return extract_and_format(response.body, method.response_field, method.response_format);
}

asio::awaitable<std::string> MethodEngine::run_shell(const NodeSetup& setup, const Method& method,
                                                     const std::map<std::string, std::string>& values,
                                                     std::chrono::milliseconds timeout) {
    ShellCommand command;
    try {
        command = shell_command(method.body, values);
    } catch (const MethodTextError& error) {
        throw rpc::Error(rpc::Code::invalid_argument, error.what());
    }
    SpawnOptions options;
    options.argv = {"sh", "-c", std::move(command.script)};
    options.environment = node_environment(current_environment(), setup.config);
    for (auto& [variable, value] : command.environment) options.environment[variable] = std::move(value);
    CommandResult result;
    try {
        result = co_await run_command(children_, std::move(options), timeout, kMaxResultBytes);
    } catch (const std::system_error& error) {
        throw rpc::Error(rpc::Code::internal, error.what());
    }
    const auto& out = result.out;
    if (result.timed_out) {
        throw rpc::Error(rpc::Code::deadline_exceeded, "did not finish within " + std::to_string(timeout.count()) +
                                                           " ms (killed); output so far: " + excerpt(out + result.err));
    }
    if (!result.status->success()) {
        throw rpc::Error(rpc::Code::failed_precondition,
                         result.status->describe() + ": " + excerpt(result.err.empty() ? out : result.err));
    }
    if (!result.out_complete) {
        throw rpc::Error(rpc::Code::resource_exhausted, "output larger than " + std::to_string(kMaxResultBytes) + " bytes");
    }
    if (!method.response_field.empty()) co_return extract_and_format(out, method.response_field, method.response_format);
    co_return format_text(out, method.response_format);
}

}  // namespace bv::babel
