#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "blockvisor/babel/v1/babel.pb.h"

#include "blockvisor/v1/node.pb.h"
#include "daemon/image_store.hpp"
#include "machine/machine.hpp"

namespace bv::daemon {

namespace v1 = blockvisor::v1;

// The image method that makes a node's keys inside it (BABEL_CONFIG's well-known names).
inline constexpr std::string_view kGenerateKeysMethod = "generate_keys";

// The control plane's side of a node's keys (the seed's "Get keys" and "Save keys").
class NodeKeyVault {
public:
    virtual ~NodeKeyVault() = default;
    // The keys it holds for the node; empty when none.
    virtual asio::awaitable<std::vector<blockvisor::babel::v1::Key>> keys_of(const std::string& node_id) = 0;
    virtual asio::awaitable<void> save(const std::string& node_id, std::vector<blockvisor::babel::v1::Key> keys) = 0;
};

// How long each step of the start sequence may take. The defaults are production's; tests
// shorten them to see a hang at every step within milliseconds.
struct StartDeadlines {
    std::chrono::milliseconds machine = std::chrono::seconds(30);
    std::chrono::milliseconds babelsup = std::chrono::seconds(15);
    std::chrono::milliseconds babel_install = std::chrono::seconds(90);
    // Setup may stop the running entry points first: 0 means the image's stop timeout and 30 s.
    std::chrono::milliseconds setup{0};
    std::chrono::milliseconds babel = std::chrono::seconds(15);
    std::chrono::milliseconds keys = std::chrono::seconds(30);
    std::chrono::milliseconds key_exchange = std::chrono::minutes(10);
    std::chrono::milliseconds init = std::chrono::minutes(30);
};

// What the start sequence needs to know about the node and this host.
struct StartPlan {
    const v1::NodeRecord& record;
    const Image& image;
    std::filesystem::path node_dir;
    std::filesystem::path node_binary;  // bv-node: the babel every node should run
    std::string node_binary_sha256;
    // Called as soon as the machine runs, before anything else can fail: the caller records
    // where it is, so that a bvd that dies in the middle of a start still finds it.
    std::function<void()> machine_started;
    // With a control plane: the key exchange at the node's first start (record.keys_exchanged
    // false), after which `keys_exchanged` is called so that the caller records it.
    NodeKeyVault* key_vault = nullptr;
    std::function<void()> keys_exchanged;
    StartDeadlines deadlines{};
};

// How long babelsup may need to stop the node's entry points and babel: the image's
// stop_timeout_ms, babel's own 10 s, and a margin.
std::chrono::milliseconds node_stop_timeout(const Image& image);

// The seed's "Add Node" sequence on this host: start the machine, wait for babelsup,
// install or update babel when its checksum differs, set up the node (config, properties),
// wait for babel, upload the node's keys if it has some, exchange keys with the control plane
// at its first start, run init once (when the image has one). Each step has a
// deadline; a failure is an rpc::Error naming the step.
asio::awaitable<void> run_start_sequence(machine::Machine& machine, const StartPlan& plan);

// The seed's "Babel update" on a running node: babelsup is asked for babel's checksum and sent
// `node_binary` when it differs (babelsup swaps it, health-checks the new babel and puts the
// old one back when it fails). The chain's entry points are not touched. True when babel was
// replaced; throws rpc::Error when babelsup does not answer or refuses the new babel.
asio::awaitable<bool> update_running_babel(machine::Machine& machine,
                                           const std::filesystem::path& node_binary,
                                           const std::string& node_binary_sha256);

// Gracefully: babelsup's Shutdown (the chain stops within its stop timeout), then the
// machine must end; after `timeout` it is killed. With `force`, killed at once.
asio::awaitable<void> run_stop_sequence(machine::Machine& machine, bool force, std::chrono::milliseconds timeout);

}  // namespace bv::daemon
