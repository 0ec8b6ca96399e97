#pragma once

#include <memory>

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "daemon/control/api_contract.hpp"
#include "host/host_config.hpp"
#include "rpc/connect_client.hpp"
#include "rpc/error.hpp"

namespace bv::daemon {

namespace asio = boost::asio;

// Whether an access token expiring at `expires_at_ms` should be refreshed at `now_ms`: in its
// last minute (a token of unknown expiry, 0, is refreshed only when refused).
bool token_needs_refresh(std::int64_t now_ms, std::int64_t expires_at_ms);

// bvd's client of the control plane: the host config's URL, CA and tokens. Authenticated
// calls carry the access token, refreshed before it expires and once when a call is refused
// with `unauthenticated`; new tokens are saved in the host config at once.
class ApiClient {
public:
    ApiClient(asio::any_io_executor executor, HostConfigStore& config);

    bool provisioned() const;
    std::string host_id() const { return config_.get().host_id(); }

    template <class Request, class Response>
    asio::awaitable<Response> call(const api::Procedure<Request, Response>& procedure, Request request,
                                   std::chrono::milliseconds timeout) {
        co_await refresh_if_due();
        try {
            const auto client = this->client();
            co_return co_await client->call(procedure, request, timeout);
        } catch (const rpc::Error& error) {
            if (error.code() != rpc::Code::unauthenticated) throw;
        }
        co_await refresh_tokens();
        const auto client = this->client();
        co_return co_await client->call(procedure, std::move(request), timeout);
    }

    template <class Request, class Response>
    asio::awaitable<rpc::MessageStream<Response>> open_stream(const api::Procedure<Request, Response, true>& procedure,
                                                              Request request) {
        co_await refresh_if_due();
        try {
            const auto client = this->client();
            co_return co_await client->open_stream(procedure, request);
        } catch (const rpc::Error& error) {
            if (error.code() != rpc::Code::unauthenticated) throw;
        }
        co_await refresh_tokens();
        const auto client = this->client();
        co_return co_await client->open_stream(procedure, std::move(request));
    }

    // Registers this host with a one-time password (no token yet) at `api_url`, trusting
    // `ca_file` (empty: the system's CAs). Throws rpc::Error with what to do.
    static asio::awaitable<api::v1::ProvisionResponse> provision(asio::any_io_executor executor, const std::string& api_url,
                                                                 const std::string& ca_file,
                                                                 api::v1::ProvisionRequest request);

private:
    asio::awaitable<void> refresh_if_due();
    asio::awaitable<void> refresh_tokens();
    // Shared with the calls in flight: a call that refreshes the token makes a new client
    // while another call still runs on the old one.
    std::shared_ptr<rpc::ConnectClient> client();

    asio::any_io_executor executor_;
    HostConfigStore& config_;
    // Made for one URL, CA and token: made again when they change.
    std::shared_ptr<rpc::ConnectClient> client_;
    std::string client_made_for_;
};

// A client endpoint for a control plane URL, with TLS for https. Throws rpc::Error(invalid_argument).
rpc::HttpUrl control_plane_url(const std::string& api_url, const std::string& ca_file);

}  // namespace bv::daemon
