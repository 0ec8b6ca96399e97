#include "daemon/control/key_vault.hpp"

namespace bv::daemon {

using namespace std::chrono_literals;

asio::awaitable<std::vector<blockvisor::babel::v1::Key>> ControlPlaneKeyVault::keys_of(const std::string& node_id) {
    api::v1::ListKeysRequest request;
    request.set_node_id(node_id);
    const auto response = co_await api_.call(api::list_keys, request, 30s);
    std::vector<blockvisor::babel::v1::Key> keys;
    for (const auto& held : response.keys()) {
        blockvisor::babel::v1::Key key;
        key.set_name(held.name());
        key.set_content(held.content());
        keys.push_back(std::move(key));
    }
    co_return keys;
}

asio::awaitable<void> ControlPlaneKeyVault::save(const std::string& node_id, std::vector<blockvisor::babel::v1::Key> keys) {
    api::v1::SaveKeysRequest request;
    request.set_node_id(node_id);
    for (const auto& key : keys) {
        auto* saved = request.add_keys();
        saved->set_name(key.name());
        saved->set_content(key.content());
    }
    co_await api_.call(api::save_keys, request, 30s);
}

}  // namespace bv::daemon
