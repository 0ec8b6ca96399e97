#include "daemon/control/api_client.hpp"

#include "common/log.hpp"
#include "common/wall_clock.hpp"
#include "rpc/tls.hpp"

namespace bv::daemon {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kRefreshMarginMs = 60'000;

// What a failed TLS or connection error means to the operator.
rpc::Error explained(const rpc::Error& error) {
    std::string message = error.what();
    if (message.find("certificate verify failed") != std::string::npos) {
        message += " (the control plane's certificate is not trusted: give its CA with --ca FILE)";
    }
    return rpc::Error(error.code(), message);
}

}  // namespace

bool token_needs_refresh(std::int64_t now_ms, std::int64_t expires_at_ms) {
    return expires_at_ms > 0 && now_ms >= expires_at_ms - kRefreshMarginMs;
}

rpc::HttpUrl control_plane_url(const std::string& api_url, const std::string& ca_file) {
    try {
        return rpc::parse_url_with_tls(api_url, ca_file);
    } catch (const std::exception& error) {
        throw rpc::Error(rpc::Code::invalid_argument, std::string("control plane URL: ") + error.what());
    }
}

ApiClient::ApiClient(asio::any_io_executor executor, HostConfigStore& config)
    : executor_(std::move(executor)), config_(config) {}

bool ApiClient::provisioned() const { return !config_.get().host_id().empty() && !config_.get().api_url().empty(); }

std::shared_ptr<rpc::ConnectClient> ApiClient::client() {
    const auto& config = config_.get();
    const auto made_for = config.api_url() + "\n" + config.api_ca_file() + "\n" + config.token();
    if (!client_ || client_made_for_ != made_for) {
        const auto url = control_plane_url(config.api_url(), config.api_ca_file());
        rpc::ConnectClientOptions options;
        options.headers.push_back({"Authorization", "Bearer " + config.token()});
        options.path_prefix = url.base_path == "/" ? "" : url.base_path;
        client_ = std::make_shared<rpc::ConnectClient>(executor_, url.endpoint, std::move(options));
        client_made_for_ = made_for;
    }
    return client_;
}

asio::awaitable<void> ApiClient::refresh_if_due() {
    if (token_needs_refresh(unix_time_ms(), config_.get().token_expires_at_ms())) co_await refresh_tokens();
}

asio::awaitable<void> ApiClient::refresh_tokens() {
    const auto& config = config_.get();
    if (config.refresh_token().empty()) {
        throw rpc::Error(rpc::Code::unauthenticated, "the control plane refused this host's token and there is no "
                                                     "refresh token: provision again with 'bv init OTP --api URL --force'");
    }
    api::v1::RefreshRequest request;
    request.set_refresh_token(config.refresh_token());
    api::v1::RefreshResponse response;
    try {
        const auto client = this->client();
        response = co_await client->call(api::refresh, request, 15s);
    } catch (const rpc::Error& error) {
        if (error.code() != rpc::Code::unauthenticated) throw;
        throw rpc::Error(rpc::Code::unauthenticated,
                         std::string("the control plane no longer accepts this host (its tokens were revoked or "
                                     "expired): provision it again with 'bv init OTP --api URL --force' (") +
                             error.what() + ")");
    }
    config_.update([&](auto& changed) {
        changed.set_token(response.tokens().access_token());
        changed.set_token_expires_at_ms(response.tokens().access_token_expires_at_ms());
        if (!response.tokens().refresh_token().empty()) changed.set_refresh_token(response.tokens().refresh_token());
    });
    log::info("control plane: access token refreshed");
}

asio::awaitable<api::v1::ProvisionResponse> ApiClient::provision(asio::any_io_executor executor, const std::string& api_url,
                                                                 const std::string& ca_file,
                                                                 api::v1::ProvisionRequest request) {
    const auto url = control_plane_url(api_url, ca_file);
    rpc::ConnectClientOptions options;
    options.path_prefix = url.base_path == "/" ? "" : url.base_path;
    rpc::ConnectClient client(std::move(executor), url.endpoint, std::move(options));
    try {
        co_return co_await client.call(api::provision, std::move(request), 30s);
    } catch (const rpc::Error& error) {
        throw explained(error);
    }
}

}  // namespace bv::daemon
