#include "babel/babelsup.hpp"

#include <sys/reboot.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <filesystem>

#include "babel/babel_runner.hpp"
#include "babel/data_volume.hpp"
#include "babel/log_stream.hpp"
#include "babel/node_channel.hpp"
#include "babel/node_contract.hpp"
#include "babel/node_setup.hpp"
#include "babel/restarting_process.hpp"
#include "babel/supervisor.hpp"
#include "blockvisor/babel/v1/babelsup.pb.h"
#include "common/event_loop.hpp"
#include "common/async.hpp"
#include "common/owned_tasks.hpp"
#include "common/log.hpp"
#include "common/scoped_flag.hpp"
#include "common/version.hpp"
#include "rpc/error.hpp"
#include "rpc/server.hpp"

namespace bv::babel {
namespace {

namespace v1 = blockvisor::babel::v1;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;

// The socket inside the node on which babel reaches babelsup (for the log).
std::filesystem::path internal_socket(const std::filesystem::path& state_dir) { return state_dir / "babelsup.sock"; }

class BabelSup {
public:
    BabelSup(asio::io_context& io, BabelSupOptions options)
        : io_(io),
          options_(std::move(options)),
          channel_(make_node_channel(options_.channel)),
          children_(io.get_executor(), ::getpid() == 1),
          log_(1000),
          supervisor_(children_, log_),
          babel_(children_, log_, options_.state_dir,
                 {"--state-dir", options_.state_dir.string(), "--channel", channel_->spec(), "--supervisor-socket",
                  internal_socket(options_.state_dir).string()},
                 channel_->endpoint(kBabelPort)),
          server_(router_, "babelsup") {
        log_.on_append = [this] { log_appended_.notify_all(); };
        router_.add(procedures::get_status, this, &BabelSup::get_status);
        router_.add(procedures::setup, this, &BabelSup::setup);
        router_.add(procedures::upload_babel_chunk, this, &BabelSup::upload_babel_chunk);
        router_.add(procedures::install_babel, this, &BabelSup::install_babel);
        router_.add(procedures::node_logs, this, &BabelSup::logs);
        router_.add(procedures::shutdown, this, &BabelSup::shutdown);
    }

    asio::awaitable<void> run() {
        // Listening before the saved setup starts the chain and babel (in a VM under TCG they
        // took ~150 ms): bvd's first connection is accepted by the kernel at once and its call
        // waits in the queue, instead of a connection attempt timing out and being made again.
        auto listener = options_.listen_fd >= 0 ? rpc::adopt_listener(io_.get_executor(), options_.listen_fd)
                                                : channel_->listen(io_.get_executor(), kBabelSupPort);
        std::filesystem::create_directories(options_.state_dir);
        try {
            if (auto saved = load_setup(options_.state_dir)) apply(std::move(*saved));
        } catch (const std::exception& error) {
            note(std::string("cannot use the saved setup: ") + error.what());
        }
        co_await babel_.start();
        asio::co_spawn(io_, server_.serve(std::move(listener)),
                       log::LogFailure{"serving babelsup on the node channel"});
        asio::co_spawn(io_, server_.serve(rpc::listen_unix(io_.get_executor(), internal_socket(options_.state_dir).string(), 0600)),
                       log::LogFailure{"serving babelsup to babel"});
        note("babelsup " + std::string(kVersion) + " serving on " + channel_->spec() + " port " + std::to_string(kBabelSupPort));

        asio::signal_set stop_signals(io_, SIGTERM, SIGINT);
        co_await (stop_signals.async_wait(asio::use_awaitable) || stop_requested_.wait());
        co_await stop_node();
        co_await server_.shutdown(2s);
        co_await tasks_.finish(10s);
    }

private:
    void note(const std::string& message) { babel::note(log_, message); }

    void apply(NodeSetup setup) {
        const auto& config = setup.config;
        log_.set_capacity(config.supervisor.log_buffer_capacity_ln);
        if (!options_.data_volume.empty() && !config.config.data_directory_mount_point.empty()) {
            try {
                mount_data_volume(options_.data_volume, config.config.data_directory_mount_point);
            } catch (const std::exception& error) {
                note(error.what());
            }
        }
        for (const auto& warning : config.warnings) note(warning.to_warning_string());
        supervisor_.start(config.supervisor, node_environment(current_environment(), config));
        setup_ = std::move(setup);
    }

    asio::awaitable<void> stop_node() {
        note("stopping the entry points and babel");
        co_await supervisor_.stop();
        co_await babel_.stop();
    }

    asio::awaitable<v1::GetStatusResponse> get_status(v1::GetStatusRequest, rpc::CallContext&) {
        v1::GetStatusResponse response;
        response.set_babelsup_version(kVersion);
        response.set_babel_sha256(babel_.sha256());
        response.set_babel_version(babel_.version());
        response.set_babel_pid(babel_.pid());
        response.set_setup_done(setup_.has_value());
        const auto now = std::chrono::steady_clock::now();
        for (const auto& state : supervisor_.states()) {
            auto* entry = response.add_entry_points();
            entry->set_name(state.name);
            entry->set_pid(state.pid);
            entry->set_restarts(state.restarts);
            entry->set_last_exit(state.last_exit);
            if (state.pid > 0) {
                entry->set_uptime_ms(static_cast<std::uint64_t>(
                    std::chrono::duration_cast<std::chrono::milliseconds>(now - state.started).count()));
            }
        }
        co_return response;
    }

    // Runs to its end even if bvd gives up waiting: half applied, a node would have its old
    // entry points stopped and no new ones.
    asio::awaitable<v1::SetupResponse> setup(v1::SetupRequest request, rpc::CallContext&) {
        co_return co_await tasks_.run_shielded(apply_setup(std::move(request)));
    }

    asio::awaitable<v1::SetupResponse> apply_setup(v1::SetupRequest request) {
        if (setup_busy_) throw rpc::Error(rpc::Code::aborted, "another Setup is in progress; try again");
        auto setup = make_setup(std::move(request));
        v1::SetupResponse response;
        if (setup_ && setup_->request.SerializeAsString() == setup.request.SerializeAsString()) co_return response;
        const ScopedFlag busy(setup_busy_);
        save_setup(options_.state_dir, setup.request);
        co_await supervisor_.stop();
        apply(std::move(setup));
        response.set_restarted(true);
        co_return response;
    }

    asio::awaitable<v1::UploadBabelChunkResponse> upload_babel_chunk(v1::UploadBabelChunkRequest request,
                                                                     rpc::CallContext&) {
        babel_.receive_chunk(request.offset(), request.data(), request.total_size());
        v1::UploadBabelChunkResponse response;
        response.set_received(request.offset() + request.data().size());
        co_return response;
    }

    // Half done, babel would be stopped and not started again. The busy flag is held by the
    // shielded part: an install that outlives its caller still refuses a second one.
    asio::awaitable<v1::InstallBabelResponse> install_babel(v1::InstallBabelRequest request, rpc::CallContext&) {
        co_return co_await tasks_.run_shielded(install_uploaded_babel(request.sha256()));
    }

    asio::awaitable<v1::InstallBabelResponse> install_uploaded_babel(std::string sha256) {
        if (install_busy_) throw rpc::Error(rpc::Code::aborted, "another babel install is in progress");
        const ScopedFlag busy(install_busy_);
        co_await babel_.install(std::move(sha256));
        v1::InstallBabelResponse response;
        response.set_babel_version(babel_.version());
        response.set_babel_sha256(babel_.sha256());
        co_return response;
    }

    asio::awaitable<void> logs(v1::LogsRequest request, rpc::StreamWriter<v1::LogsResponse>& out, rpc::CallContext&) {
        co_await stream_logs(log_, log_appended_, std::move(request), out);
    }

    // Cut in the middle (bvd gave up waiting), an entry point that ignores SIGTERM would
    // never get its SIGKILL, and babelsup would never exit (nor power the machine off).
    asio::awaitable<v1::ShutdownResponse> shutdown(v1::ShutdownRequest, rpc::CallContext&) {
        co_await tasks_.run_shielded(stop_node_and_exit());
        co_return v1::ShutdownResponse();
    }

    asio::awaitable<void> stop_node_and_exit() {
        co_await stop_node();
        stop_requested_.notify_all();
    }

    asio::io_context& io_;
    BabelSupOptions options_;
    std::unique_ptr<NodeChannel> channel_;
    ChildProcesses children_;
    LogBuffer log_;
    Notifier log_appended_;
    Supervisor supervisor_;
    BabelRunner babel_;
    std::optional<NodeSetup> setup_;
    bool setup_busy_ = false;
    bool install_busy_ = false;
    Notifier stop_requested_;
    OwnedTasks tasks_;
    rpc::Router router_;
    rpc::Server server_;
};

}  // namespace

int run_babelsup(const BabelSupOptions& options) {
    return_large_buffers_to_the_system();
    log::init("babelsup", log::Level::info);
    const int exit_code = run_event_loop("babelsup", [&](asio::io_context& io) -> asio::awaitable<void> {
        BabelSup babelsup(io, options);
        co_await babelsup.run();
    });
    if (options.power_off) power_off_now();
    return exit_code;
}

int power_off_now() {
    ::sync();
    // A machine without ACPI cannot be powered off: it reboots instead (reboot=k: the i8042's
    // reset line), which ends Firecracker as it ends QEMU with -no-reboot.
    std::error_code ec;
    ::reboot(std::filesystem::exists("/sys/firmware/acpi", ec) ? RB_POWER_OFF : RB_AUTOBOOT);
    return 1;
}

}  // namespace bv::babel
