#include "daemon/node_starter.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fstream>

#include "babel/node_contract.hpp"
#include "common/async.hpp"
#include "common/files.hpp"
#include "common/log.hpp"
#include "daemon/node_client.hpp"
#include "rpc/error.hpp"

namespace bv::daemon {
namespace {

namespace babel_v1 = blockvisor::babel::v1;
namespace procedures = babel::procedures;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kUploadChunk = 1 << 20;

// A step of a sequence failed: its message names the node and the step. Distinct from the
// errors of the calls inside it, so that a step within a step keeps the inner name.
class StepError : public rpc::Error {
public:
    using rpc::Error::Error;
};

// Runs one step of a sequence within `timeout`; any failure becomes a StepError that says
// which step of which node failed.
template <class T>
asio::awaitable<T> step(const v1::NodeRecord& record, std::string_view name, std::chrono::milliseconds timeout,
                        asio::awaitable<T> operation) {
    const auto fail = [&](rpc::Code code, const std::string& why) {
        return StepError(code, "node '" + record.name() + "': " + std::string(name) + " failed: " + why);
    };
    const auto began = Clock::now();
    try {
        auto result = co_await with_timeout(std::move(operation), timeout);
        if (!result) throw fail(rpc::Code::deadline_exceeded, "no success within " + std::to_string(timeout.count()) + " ms");
        // Where a start's time goes, for whoever asks with --log-level debug.
        log::debug("node {}: {} took {} us", record.name(), name,
                   std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - began).count());
        if constexpr (!std::is_void_v<T>) co_return std::move(*result);
    } catch (const StepError&) {
        throw;
    } catch (const rpc::Error& error) {
        throw fail(error.code(), error.what());
    } catch (const std::exception& error) {
        throw fail(rpc::Code::internal, error.what());
    }
}

asio::awaitable<void> install_babel(NodeClient& node, const std::filesystem::path& node_binary,
                                    const std::string& node_binary_sha256) {
    const auto binary = read_file(node_binary);
    for (std::size_t offset = 0; offset < binary.size(); offset += kUploadChunk) {
        babel_v1::UploadBabelChunkRequest chunk;
        chunk.set_offset(offset);
        chunk.set_total_size(binary.size());
        chunk.set_data(binary.substr(offset, kUploadChunk));
        co_await node.call(procedures::upload_babel_chunk, chunk, 10s);
    }
    babel_v1::InstallBabelRequest install;
    install.set_sha256(node_binary_sha256);
    co_await node.call(procedures::install_babel, install, 60s);
}

std::vector<babel_v1::Key> local_keys(const std::filesystem::path& node_dir) {
    std::vector<babel_v1::Key> keys;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(node_dir / "keys", ec)) {
        if (!entry.is_regular_file()) continue;
        babel_v1::Key key;
        key.set_name(entry.path().filename().string());
        key.set_content(read_file(entry.path()));
        keys.push_back(std::move(key));
    }
    return keys;
}

asio::awaitable<void> upload_keys(NodeClient& node, const std::vector<babel_v1::Key>& keys) {
    babel_v1::UploadKeysRequest request;
    for (const auto& key : keys) *request.add_keys() = key;
    co_await node.call(procedures::upload_keys, request, 30s);
}

// The seed's key exchange: the control plane's keys go into the node; when it has none and
// the image can make keys, the node makes them and the control plane keeps them.
asio::awaitable<void> exchange_keys(NodeClient& node, const StartPlan& plan) {
    const auto& node_id = plan.record.id();
    const auto keys = co_await plan.key_vault->keys_of(node_id);
    if (!keys.empty()) {
        co_await upload_keys(node, keys);
        co_return;
    }
    if (plan.image.config.find_method(kGenerateKeysMethod) == nullptr) co_return;
    babel_v1::RunRequest generate;
    generate.set_method(std::string(kGenerateKeysMethod));
    co_await node.call(procedures::run, generate, 5min);
    const auto generated = co_await node.call(procedures::download_keys, babel_v1::DownloadKeysRequest(), 30s);
    co_await plan.key_vault->save(node_id, {generated.keys().begin(), generated.keys().end()});
}

}  // namespace

asio::awaitable<void> run_start_sequence(machine::Machine& machine, const StartPlan& plan) {
    const auto& record = plan.record;
    const auto& deadlines = plan.deadlines;
    co_await step(record, "starting the machine", deadlines.machine, machine.start());
    plan.machine_started();
    NodeClient node(co_await asio::this_coro::executor, machine);

    const auto status = co_await step(record, "waiting for babelsup", deadlines.babelsup,
                                      node.call_when_up(procedures::get_status, babel_v1::GetStatusRequest(), machine));
    if (status.babel_sha256() != plan.node_binary_sha256) {
        co_await step(record, "installing babel", deadlines.babel_install,
                      install_babel(node, plan.node_binary, plan.node_binary_sha256));
    }

    babel_v1::SetupRequest setup;
    setup.set_config_toml(plan.image.config_toml);
    setup.set_node_id(record.id());
    setup.set_node_name(record.name());
    setup.mutable_properties()->insert(record.properties().begin(), record.properties().end());
    // A changed setup makes babelsup stop the running entry points first.
    const auto setup_timeout = deadlines.setup.count() > 0 ? deadlines.setup : node_stop_timeout(plan.image) + 30s;
    co_await step(record, "setting up the node", setup_timeout, node.call(procedures::setup, setup, setup_timeout));

    co_await step(record, "waiting for babel", deadlines.babel, node.call_when_up(procedures::ping, babel_v1::PingRequest(), machine));

    if (const auto keys = local_keys(plan.node_dir); !keys.empty()) {
        co_await step(record, "uploading keys", deadlines.keys, upload_keys(node, keys));
    }
    if (plan.key_vault != nullptr && !record.keys_exchanged()) {
        co_await step(record, "key exchange", deadlines.key_exchange, exchange_keys(node, plan));
        plan.keys_exchanged();
    }

    // An image without init has nothing to run once: no call, and no flag for babel to write
    // (an Init round trip and two fsyncs, 1.7 ms of a dummy node's 12 ms start). A later image
    // that brings an init runs it at its first start.
    if (plan.image.config.find_method("init") == nullptr) co_return;
    co_await step(record, "running init", deadlines.init, node.call(procedures::init, babel_v1::InitRequest(), deadlines.init));
}

asio::awaitable<bool> update_running_babel(machine::Machine& machine,
                                           const std::filesystem::path& node_binary,
                                           const std::string& node_binary_sha256) {
    NodeClient node(co_await asio::this_coro::executor, machine);
    const auto status =
        co_await node.call(procedures::get_status, babel_v1::GetStatusRequest(), 5s);
    if (status.babel_sha256() == node_binary_sha256) co_return false;
    co_await install_babel(node, node_binary, node_binary_sha256);
    co_return true;
}

std::chrono::milliseconds node_stop_timeout(const Image& image) {
    return std::chrono::milliseconds(image.config.supervisor.stop_timeout_ms) + 20s;
}

asio::awaitable<void> run_stop_sequence(machine::Machine& machine, bool force, std::chrono::milliseconds timeout) {
    if (!machine.running()) co_return;
    if (!force) {
        co_await machine.request_graceful_stop();
        NodeClient node(co_await asio::this_coro::executor, machine);
        try {
            co_await node.call(procedures::shutdown, babel_v1::ShutdownRequest(), timeout);
        } catch (const rpc::Error&) {
            // Not answering (or gone while answering): it is killed below if still there.
        }
        const bool stopped = co_await with_timeout(machine.wait_stopped(), 10s);
        if (stopped) co_return;
    }
    machine.kill();
    co_await machine.wait_stopped();
}

}  // namespace bv::daemon
