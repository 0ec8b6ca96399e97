#include "babel/babel_agent.hpp"

#include <sys/stat.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

#include "babel/key_store.hpp"
#include "babel/method_engine.hpp"
#include "babel/node_channel.hpp"
#include "babel/node_contract.hpp"
#include "babel/node_setup.hpp"
#include "blockvisor/babel/v1/babel.pb.h"
#include "common/async.hpp"
#include "common/owned_tasks.hpp"
#include "common/event_loop.hpp"
#include "common/files.hpp"
#include "common/log.hpp"
#include "common/notifier.hpp"
#include "common/scoped_flag.hpp"
#include "common/version.hpp"
#include "rpc/connect_client.hpp"
#include "rpc/error.hpp"
#include "rpc/server.hpp"

namespace bv::babel {
namespace {

namespace v1 = blockvisor::babel::v1;
using namespace std::chrono_literals;

constexpr auto kDefaultRunTimeout = 15s;
constexpr auto kMaxRunTimeout = std::chrono::milliseconds(3'600'000);
constexpr auto kInitTimeout = std::chrono::minutes(30);

class BabelAgent {
public:
    BabelAgent(asio::io_context& io, BabelOptions options)
        : io_(io), options_(std::move(options)), children_(io.get_executor()), methods_(children_), server_(router_, "babel") {
        router_.add(procedures::ping, this, &BabelAgent::ping);
        router_.add(procedures::version, this, &BabelAgent::version);
        router_.add(procedures::list_capabilities, this, &BabelAgent::list_capabilities);
        router_.add(procedures::run, this, &BabelAgent::run_method);
        router_.add(procedures::download_keys, this, &BabelAgent::download_keys);
        router_.add(procedures::upload_keys, this, &BabelAgent::upload_keys);
        router_.add(procedures::init, this, &BabelAgent::init);
        router_.add(procedures::babel_logs, this, &BabelAgent::logs);
    }

    asio::awaitable<void> run() {
        const auto channel = make_node_channel(options_.channel);
        asio::co_spawn(io_, server_.serve(channel->listen(io_.get_executor(), kBabelPort)),
                       log::LogFailure{"serving babel on the node channel"});
        log::info("babel {} serving on {} port {}", kVersion, channel->spec(), kBabelPort);
        asio::signal_set stop_signals(io_, SIGTERM, SIGINT);
        co_await stop_signals.async_wait(asio::use_awaitable);
        log::info("stopping: letting calls in flight finish");
        co_await server_.shutdown(10s);
        // An init whose caller went away may still run.
        co_await tasks_.finish(10s);
    }

private:
    // The node's setup as babelsup last saved it (re-read when the file changes). Shared: a
    // call holds the one it began with while a newer one may be loaded.
    std::shared_ptr<const NodeSetup> setup() {
        const auto no_config = [] {
            return rpc::Error(rpc::Code::failed_precondition, "babel has no config yet: bvd sets it up through babelsup (Setup)");
        };
        struct stat status {};
        const auto file = setup_file(options_.state_dir);
        if (::stat(file.c_str(), &status) != 0) throw no_config();
        if (!setup_ || status.st_mtim.tv_sec != loaded_.tv_sec || status.st_mtim.tv_nsec != loaded_.tv_nsec ||
            status.st_ino != loaded_inode_) {
            auto loaded = load_setup(options_.state_dir);
            if (!loaded) throw no_config();  // removed since the stat
            setup_ = std::make_shared<const NodeSetup>(std::move(*loaded));
            loaded_ = status.st_mtim;
            loaded_inode_ = status.st_ino;
        }
        return setup_;
    }

    asio::awaitable<v1::PingResponse> ping(v1::PingRequest, rpc::CallContext&) {
        v1::PingResponse response;
        response.set_uptime_ms(static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_).count()));
        co_return response;
    }

    asio::awaitable<v1::VersionResponse> version(v1::VersionRequest, rpc::CallContext&) {
        v1::VersionResponse response;
        response.set_version(kVersion);
        try {
            const auto& chain = setup()->config.config;
            response.set_image(chain.protocol + "/" + chain.node_type + "/" + chain.node_version);
        } catch (const rpc::Error&) {
            // No config yet: the version alone.
        }
        co_return response;
    }

    asio::awaitable<v1::ListCapabilitiesResponse> list_capabilities(v1::ListCapabilitiesRequest, rpc::CallContext&) {
        v1::ListCapabilitiesResponse response;
        for (const auto& name : setup()->config.method_names()) response.add_methods(name);
        co_return response;
    }

    asio::awaitable<v1::RunResponse> run_method(v1::RunRequest request, rpc::CallContext&) {
        const auto timeout = request.timeout_ms() == 0 ? std::chrono::milliseconds(kDefaultRunTimeout)
                                                       : std::min(std::chrono::milliseconds(request.timeout_ms()), kMaxRunTimeout);
        const auto current = setup();
        const std::map<std::string, std::string> params(request.params().begin(), request.params().end());
        v1::RunResponse response;
        response.set_value(co_await methods_.run(*current, request.method(), params, timeout));
        co_return response;
    }

    asio::awaitable<v1::DownloadKeysResponse> download_keys(v1::DownloadKeysRequest, rpc::CallContext&) {
        v1::DownloadKeysResponse response;
        for (auto& key : read_keys(setup()->config)) {
            auto* added = response.add_keys();
            added->set_name(std::move(key.name));
            added->set_content(std::move(key.content));
        }
        co_return response;
    }

    asio::awaitable<v1::UploadKeysResponse> upload_keys(v1::UploadKeysRequest request, rpc::CallContext&) {
        std::vector<KeyFile> keys;
        for (const auto& key : request.keys()) keys.push_back({key.name(), key.content()});
        v1::UploadKeysResponse response;
        for (const auto& path : write_keys(setup()->config, keys)) response.add_paths(path);
        co_return response;
    }

    asio::awaitable<v1::InitResponse> init(v1::InitRequest, rpc::CallContext&) {
        // Once started, init runs to its end even if bvd stops waiting.
        co_return co_await tasks_.run_shielded(run_init_once());
    }

    asio::awaitable<v1::InitResponse> run_init_once() {
        const auto done_flag = options_.state_dir / "init.done";
        while (init_running_) co_await init_finished_.wait();
        v1::InitResponse response;
        if (std::filesystem::exists(done_flag)) co_return response;
        const auto current = setup();
        {
            // Destroyed in reverse: the flag is down before the waiters are woken.
            struct AnnounceEnd {
                Notifier& finished;
                ~AnnounceEnd() { finished.notify_all(); }
            } announce{init_finished_};
            const ScopedFlag running(init_running_);
            const auto* init = current->config.find_method("init");
            if (init != nullptr && !init->finished()) {
                // The node starts without it; no flag, so that it runs once a config fills it in.
                log::warn("init is not finished in the node's config ({}): skipped", init->what_is_missing());
                co_return response;
            }
            if (init != nullptr) response.set_output(co_await methods_.run(*current, "init", {}, kInitTimeout));
            write_file_atomically(done_flag, "done\n");
        }
        response.set_ran(true);
        co_return response;
    }

    asio::awaitable<void> logs(v1::LogsRequest request, rpc::StreamWriter<v1::LogsResponse>& out, rpc::CallContext&) {
        rpc::ConnectClient supervisor(io_.get_executor(), rpc::unix_endpoint(options_.supervisor_socket.string()));
        auto stream = co_await supervisor.open_stream(procedures::node_logs, request);
        for (;;) {
            const auto message = co_await stream.next();
            if (!message) break;
            co_await out.write(*message);
        }
    }

    asio::io_context& io_;
    BabelOptions options_;
    ChildProcesses children_;
    MethodEngine methods_;
    std::shared_ptr<const NodeSetup> setup_;
    timespec loaded_{};
    ino_t loaded_inode_ = 0;
    bool init_running_ = false;
    Notifier init_finished_;
    OwnedTasks tasks_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    rpc::Router router_;
    rpc::Server server_;
};

}  // namespace

int run_babel(const BabelOptions& options) {
    return_large_buffers_to_the_system();
    log::init("babel", log::Level::info);
    return run_event_loop("babel", [&](asio::io_context& io) -> asio::awaitable<void> {
        BabelAgent agent(io, options);
        co_await agent.run();
    });
}

}  // namespace bv::babel
