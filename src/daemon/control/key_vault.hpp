#pragma once

#include "daemon/control/api_client.hpp"
#include "daemon/node_starter.hpp"

namespace bv::daemon {

// The key exchange's control-plane side, through KeyService.
class ControlPlaneKeyVault final : public NodeKeyVault {
public:
    explicit ControlPlaneKeyVault(ApiClient& api) : api_(api) {}
    asio::awaitable<std::vector<blockvisor::babel::v1::Key>> keys_of(const std::string& node_id) override;
    asio::awaitable<void> save(const std::string& node_id, std::vector<blockvisor::babel::v1::Key> keys) override;

private:
    ApiClient& api_;
};

}  // namespace bv::daemon
