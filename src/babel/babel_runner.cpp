#include "babel/babel_runner.hpp"

#include <signal.h>
#include <sys/stat.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fstream>

#include "babel/backoff_policy.hpp"
#include "babel/supervisor.hpp"
#include "blockvisor/babel/v1/babel.pb.h"
#include "common/async.hpp"
#include "common/files.hpp"
#include "common/log.hpp"
#include "common/sha256.hpp"
#include "rpc/connect_client.hpp"
#include "rpc/error.hpp"

namespace bv::babel {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
constexpr auto as_tuple = asio::as_tuple(asio::use_awaitable);
constexpr auto kHealthCheckTimeout = 10s;

}  // namespace

BabelRunner::BabelRunner(ChildProcesses& children, LogBuffer& log, std::filesystem::path state_dir,
                         std::vector<std::string> arguments, rpc::Endpoint babel_endpoint)
    : children_(children),
      log_(log),
      binary_(state_dir / "bin/babel"),
      previous_binary_(state_dir / "bin/babel.previous"),
      upload_(state_dir / "babel.upload"),
      arguments_(std::move(arguments)),
      endpoint_(std::move(babel_endpoint)) {
    std::filesystem::create_directories(binary_.parent_path());
}

BabelRunner::~BabelRunner() {
    if (pid_ > 0) ::kill(pid_, SIGKILL);
}

asio::awaitable<void> BabelRunner::read_installed() {
    sha256_.clear();
    version_.clear();
    if (!std::filesystem::exists(binary_)) co_return;
    sha256_ = co_await sha256_file_async(binary_);
    SpawnOptions options;
    options.argv = {binary_.string(), "--version"};
    options.environment = current_environment();
    try {
        const auto result = co_await run_command(children_, std::move(options), 5s, 4096);
        // "blockvisor 1.2.3"
        auto output = result.out;
        while (!output.empty() && std::isspace(static_cast<unsigned char>(output.back()))) output.pop_back();
        version_ = output.substr(output.rfind(' ') + 1);
    } catch (const std::exception& error) {
        note(log_, std::string("cannot read the version of the installed babel: ") + error.what());
    }
}

asio::awaitable<void> BabelRunner::start() {
    co_await read_installed();
    if (!installed() || loop_running_) co_return;
    wanted_ = true;
    loop_running_ = true;
    asio::co_spawn(children_.executor(), keep_running(), log::LogFailure{"keeping babel running"});
}

asio::awaitable<void> BabelRunner::keep_running() {
    BackoffPolicy backoff(100ms, 5s, 60s);
    restart_delay_ = std::make_unique<asio::steady_timer>(children_.executor());
    while (wanted_) {
        SpawnOptions options;
        options.argv = {binary_.string()};
        options.argv.insert(options.argv.end(), arguments_.begin(), arguments_.end());
        options.environment = current_environment();
        std::string ended;
        backoff.started(Clock::now());
        try {
            auto child = children_.spawn(options);
            pid_ = child.pid;
            note(log_, "babel started (pid " + std::to_string(pid_) + ")");
            asio::co_spawn(children_.executor(), capture_lines(std::move(*child.stdout_pipe), "babel", log_), asio::detached);
            asio::co_spawn(children_.executor(), capture_lines(std::move(*child.stderr_pipe), "babel", log_), asio::detached);
            ended = (co_await children_.wait(child.pid)).describe();
            pid_ = 0;
            ++exits_;
        } catch (const std::system_error& error) {
            ended = error.what();
        }
        if (!wanted_) break;
        const auto delay = backoff.delay_after_exit(Clock::now());
        note(log_, "babel " + ended + "; restarting in " + std::to_string(delay.count()) + " ms");
        restart_delay_->expires_after(delay);
        co_await restart_delay_->async_wait(as_tuple);
    }
    loop_running_ = false;
    loop_ended_.notify_all();
}

asio::awaitable<void> BabelRunner::stop(std::chrono::milliseconds timeout) {
    wanted_ = false;
    if (restart_delay_) restart_delay_->cancel();
    if (pid_ > 0) ::kill(pid_, SIGTERM);
    const auto deadline = Clock::now() + timeout;
    while (loop_running_ && Clock::now() < deadline) co_await with_timeout(loop_ended_.wait(), deadline - Clock::now());
    if (!loop_running_) co_return;
    note(log_, "babel did not stop within " + std::to_string(timeout.count()) + " ms; killing it");
    if (pid_ > 0) ::kill(pid_, SIGKILL);
    while (loop_running_) co_await loop_ended_.wait();
}

void BabelRunner::receive_chunk(std::uint64_t offset, std::string_view data, std::uint64_t total_size) {
    if (offset == 0) {
        upload_expected_size_ = total_size;
        upload_received_ = 0;
        std::ofstream(upload_, std::ios::binary | std::ios::trunc);
    }
    if (offset != upload_received_ || total_size != upload_expected_size_) {
        throw rpc::Error(rpc::Code::failed_precondition,
                         "babel upload: expected the piece at offset " + std::to_string(upload_received_) + " of " +
                             std::to_string(upload_expected_size_) + " bytes, got offset " + std::to_string(offset) +
                             " of " + std::to_string(total_size) + "; start over at offset 0");
    }
    if (upload_received_ + data.size() > upload_expected_size_) {
        throw rpc::Error(rpc::Code::invalid_argument, "babel upload: more bytes than the announced size");
    }
    std::ofstream file(upload_, std::ios::binary | std::ios::app);
    file.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!file.flush()) throw rpc::Error(rpc::Code::resource_exhausted, "babel upload: cannot write " + upload_.string());
    upload_received_ += data.size();
}

asio::awaitable<void> BabelRunner::health_check(std::chrono::milliseconds timeout) {
    rpc::ConnectClient client(children_.executor(), endpoint_);
    const auto deadline = Clock::now() + timeout;
    const auto exits_before = exits_;
    std::string last_error = "no answer";
    while (Clock::now() < deadline && exits_ == exits_before) {
        try {
            co_await client.call<blockvisor::babel::v1::PingResponse>("blockvisor.babel.v1.Babel/Ping",
                                                                      blockvisor::babel::v1::PingRequest(), 1s);
            co_return;
        } catch (const rpc::Error& error) {
            last_error = error.what();
        }
        co_await sleep_for(20ms);
    }
    if (exits_ != exits_before) throw rpc::Error(rpc::Code::unavailable, "babel exited right after it started");
    throw rpc::Error(rpc::Code::unavailable, "babel did not answer Ping within " + std::to_string(timeout.count()) +
                                                 " ms: " + last_error);
}

asio::awaitable<void> BabelRunner::install(const std::string& sha256) {
    if (upload_expected_size_ == 0 || upload_received_ != upload_expected_size_) {
        throw rpc::Error(rpc::Code::failed_precondition,
                         "babel upload incomplete: " + std::to_string(upload_received_) + " of " +
                             std::to_string(upload_expected_size_) + " bytes received");
    }
    const auto actual = co_await sha256_file_async(upload_);
    upload_expected_size_ = upload_received_ = 0;
    if (actual != sha256) {
        std::filesystem::remove(upload_);
        throw rpc::Error(rpc::Code::data_loss, "babel upload corrupt: SHA-256 is " + actual + ", expected " + sha256 +
                                                   "; nothing was installed, the running babel stays");
    }
    ::chmod(upload_.c_str(), 0755);
    const bool had_previous = std::filesystem::exists(binary_);
    if (had_previous) std::filesystem::rename(binary_, previous_binary_);
    std::filesystem::rename(upload_, binary_);
    sync_directory(binary_.parent_path());
    note(log_, "installing babel " + sha256);

    co_await stop();
    co_await start();
    std::optional<std::string> unhealthy;
    try {
        co_await health_check(kHealthCheckTimeout);
    } catch (const rpc::Error& error) {
        unhealthy = error.what();
    }
    if (unhealthy) {
        note(log_, "the new babel failed its health check: " + *unhealthy);
        co_await stop();
        std::filesystem::remove(binary_);
        if (had_previous) std::filesystem::rename(previous_binary_, binary_);
        co_await start();
        throw rpc::Error(rpc::Code::failed_precondition,
                         "the new babel failed its health check (" + *unhealthy + "); " +
                             (had_previous ? "the previous babel was restored" : "no babel is installed"));
    }
    std::filesystem::remove(previous_binary_);
    note(log_, "babel " + version_ + " installed and healthy");
}

}  // namespace bv::babel
