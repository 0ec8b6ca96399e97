#include "daemon/node_starter.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fstream>

#include "babel/node_channel.hpp"
#include "blockvisor/babel/v1/babel.pb.h"
#include "blockvisor/babel/v1/babelsup.pb.h"
#include "common/async.hpp"
#include "common/files.hpp"
#include "rpc/connect_client.hpp"
#include "rpc/error.hpp"

namespace bv::daemon {
namespace {

namespace babel_v1 = blockvisor::babel::v1;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kUploadChunk = 1 << 20;
constexpr auto kInitTimeout = std::chrono::minutes(30);

// Runs one step of a sequence within `timeout`; any failure becomes an rpc::Error that says
// which step of which node failed.
template <class T>
asio::awaitable<T> step(const v1::NodeRecord& record, std::string_view name, std::chrono::milliseconds timeout,
                        asio::awaitable<T> operation) {
    const auto fail = [&](rpc::Code code, const std::string& why) {
        return rpc::Error(code, "node '" + record.name() + "': " + std::string(name) + " failed: " + why);
    };
    try {
        auto result = co_await with_timeout(std::move(operation), timeout);
        if (!result) throw fail(rpc::Code::deadline_exceeded, "no success within " + std::to_string(timeout.count()) + " ms");
        if constexpr (!std::is_void_v<T>) co_return std::move(*result);
    } catch (const rpc::Error& error) {
        if (std::string_view(error.what()).starts_with("node '")) throw;
        throw fail(error.code(), error.what());
    } catch (const std::exception& error) {
        throw fail(rpc::Code::internal, error.what());
    }
}

// Calls `procedure` until it answers (the process behind it may still be starting).
template <class Response, class Request>
asio::awaitable<Response> call_when_up(rpc::ConnectClient& client, std::string procedure, Request request) {
    for (;;) {
        try {
            co_return co_await client.call<Response>(procedure, request, 2s);
        } catch (const rpc::Error& error) {
            if (error.code() != rpc::Code::unavailable) throw;
        }
        co_await sleep_for(10ms);
    }
}

asio::awaitable<void> install_babel(rpc::ConnectClient& babelsup, const StartPlan& plan) {
    const auto binary = read_file(plan.babel_binary);
    for (std::size_t offset = 0; offset < binary.size(); offset += kUploadChunk) {
        babel_v1::UploadBabelChunkRequest chunk;
        chunk.set_offset(offset);
        chunk.set_total_size(binary.size());
        chunk.set_data(binary.substr(offset, kUploadChunk));
        co_await babelsup.call<babel_v1::UploadBabelChunkResponse>("blockvisor.babel.v1.BabelSup/UploadBabelChunk", chunk, 10s);
    }
    babel_v1::InstallBabelRequest install;
    install.set_sha256(plan.babel_sha256);
    co_await babelsup.call<babel_v1::InstallBabelResponse>("blockvisor.babel.v1.BabelSup/InstallBabel", install, 60s);
}

std::vector<std::filesystem::path> key_files(const std::filesystem::path& node_dir) {
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(node_dir / "keys", ec)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
    }
    return files;
}

}  // namespace

asio::awaitable<void> run_start_sequence(machine::Machine& machine, const StartPlan& plan) {
    const auto& record = plan.record;
    const auto executor = co_await asio::this_coro::executor;
    co_await step(record, "starting the machine", 30s, machine.start());
    plan.machine_started();
    rpc::ConnectClient babelsup(executor, machine.channel(babel::kBabelSupPort));
    rpc::ConnectClient babel(executor, machine.channel(babel::kBabelPort));

    const auto status = co_await step(record, "waiting for babelsup", 15s,
                                      call_when_up<babel_v1::GetStatusResponse>(babelsup, "blockvisor.babel.v1.BabelSup/GetStatus",
                                                                                babel_v1::GetStatusRequest()));
    if (status.babel_sha256() != plan.babel_sha256) {
        co_await step(record, "installing babel", 90s, install_babel(babelsup, plan));
    }

    babel_v1::SetupRequest setup;
    setup.set_config_toml(plan.image.config_toml);
    setup.set_node_id(record.id());
    setup.set_node_name(record.name());
    setup.mutable_properties()->insert(record.properties().begin(), record.properties().end());
    // A changed setup makes babelsup stop the running entry points first.
    const auto setup_timeout = node_stop_timeout(plan.image) + 30s;
    co_await step(record, "setting up the node", setup_timeout,
                  babelsup.call<babel_v1::SetupResponse>("blockvisor.babel.v1.BabelSup/Setup", setup, setup_timeout));

    co_await step(record, "waiting for babel", 15s,
                  call_when_up<babel_v1::PingResponse>(babel, "blockvisor.babel.v1.Babel/Ping", babel_v1::PingRequest()));

    if (const auto files = key_files(plan.node_dir); !files.empty()) {
        babel_v1::UploadKeysRequest keys;
        for (const auto& file : files) {
            auto* key = keys.add_keys();
            key->set_name(file.filename().string());
            key->set_content(read_file(file));
        }
        co_await step(record, "uploading keys", 30s,
                      babel.call<babel_v1::UploadKeysResponse>("blockvisor.babel.v1.Babel/UploadKeys", keys, 30s));
    }

    co_await step(record, "running init", kInitTimeout,
                  babel.call<babel_v1::InitResponse>("blockvisor.babel.v1.Babel/Init", babel_v1::InitRequest(), kInitTimeout));
}

std::chrono::milliseconds node_stop_timeout(const Image& image) {
    return std::chrono::milliseconds(image.config.supervisor.stop_timeout_ms) + 20s;
}

asio::awaitable<void> run_stop_sequence(machine::Machine& machine, bool force, std::chrono::milliseconds timeout) {
    if (!machine.running()) co_return;
    if (!force) {
        rpc::ConnectClient babelsup(co_await asio::this_coro::executor, machine.channel(babel::kBabelSupPort));
        try {
            co_await babelsup.call<babel_v1::ShutdownResponse>("blockvisor.babel.v1.BabelSup/Shutdown",
                                                               babel_v1::ShutdownRequest(), timeout);
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
