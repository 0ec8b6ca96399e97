#include "babel/babel_runner.hpp"

#include <signal.h>
#include <sys/stat.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fstream>

#include "babel/babel_identity.hpp"
#include "babel/babel_update_plan.hpp"
#include "babel/node_contract.hpp"
#include "common/async.hpp"
#include "common/backoff_policy.hpp"
#include "common/files.hpp"
#include "common/log.hpp"
#include "common/sha256.hpp"
#include "rpc/connect_client.hpp"
#include "rpc/error.hpp"

namespace bv::babel {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
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
    if (process_) process_->kill();
}

asio::awaitable<void> BabelRunner::read_installed() {
    sha256_.clear();
    version_.clear();
    if (!std::filesystem::exists(binary_)) co_return;
    if (auto recorded = recorded_identity(binary_)) {
        sha256_ = std::move(recorded->sha256);
        version_ = std::move(recorded->version);
        co_return;
    }
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
        co_return;
    }
    try {
        record_identity(binary_, {sha256_, version_});
    } catch (const std::exception& error) {
        // Only the next start is slower: it reads the binary again.
        note(log_, std::string("cannot record the installed babel's identity: ") + error.what());
    }
}

asio::awaitable<void> BabelRunner::start() {
    co_await read_installed();
    if (!installed() || (process_ && !process_->finished())) co_return;
    SpawnOptions options;
    options.argv = {binary_.string()};
    options.argv.insert(options.argv.end(), arguments_.begin(), arguments_.end());
    options.environment = current_environment();
    process_ = std::make_shared<RestartingProcess>(children_, log_, "babel", std::move(options), BackoffPolicy(100ms, 5s, 60s));
    process_->start();
}

asio::awaitable<void> BabelRunner::stop(std::chrono::milliseconds timeout) {
    // SIGTERM: babel's server lets the calls in flight finish before it exits.
    if (process_) co_await process_->stop(timeout);
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
    const auto exits_before = process_ ? process_->exits() : 0;
    const auto exited = [&] { return process_ && process_->exits() != exits_before; };
    std::string last_error = "no answer";
    while (Clock::now() < deadline && !exited()) {
        try {
            co_await client.call(procedures::ping, blockvisor::babel::v1::PingRequest(), 1s);
            co_return;
        } catch (const rpc::Error& error) {
            last_error = error.what();
        }
        co_await sleep_for(20ms);
    }
    if (exited()) throw rpc::Error(rpc::Code::unavailable, "babel exited right after it started");
    throw rpc::Error(rpc::Code::unavailable, "babel did not answer Ping within " + std::to_string(timeout.count()) +
                                                 " ms: " + last_error);
}

asio::awaitable<void> BabelRunner::verify_upload(const std::string& sha256) {
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
}

asio::awaitable<void> BabelRunner::do_update_step(BabelUpdateStep step, const std::string& sha256) {
    switch (step) {
        case BabelUpdateStep::verify_upload:
            co_await verify_upload(sha256);
            break;
        case BabelUpdateStep::set_previous_aside:
            std::filesystem::rename(binary_, previous_binary_);
            break;
        case BabelUpdateStep::move_new_in_place:
            std::filesystem::rename(upload_, binary_);
            sync_directory(binary_.parent_path());
            note(log_, "installing babel " + sha256);
            break;
        case BabelUpdateStep::restart:
            co_await stop();
            co_await start();
            break;
        case BabelUpdateStep::health_check:
            co_await health_check(kHealthCheckTimeout);
            break;
        case BabelUpdateStep::discard_previous:
            std::filesystem::remove(previous_binary_);
            break;
        case BabelUpdateStep::remove_new:
            co_await stop();
            std::filesystem::remove(binary_);
            break;
        case BabelUpdateStep::restore_previous:
            std::filesystem::rename(previous_binary_, binary_);
            sync_directory(binary_.parent_path());
            break;
        case BabelUpdateStep::start_restored:
            co_await start();
            break;
    }
}

asio::awaitable<void> BabelRunner::install(std::string sha256) {
    // The steps' I/O here, their order and what a failure leads to in babel_update_plan.
    BabelUpdate update{.had_previous = std::filesystem::exists(binary_)};
    std::optional<rpc::Error> refusal;
    std::string unhealthy;
    std::string first_failure;
    for (std::optional<BabelUpdateStep> step = update.step; step;
         step = advance(update, refusal == std::nullopt)) {
        refusal.reset();
        try {
            co_await do_update_step(*step, sha256);
        } catch (const rpc::Error& error) {
            refusal = error;
        } catch (const std::exception& error) {
            refusal = rpc::Error(rpc::Code::internal,
                                 std::string(step_name(*step)) + ": " + error.what());
        }
        if (refusal && first_failure.empty())
            first_failure = std::string(step_name(*step)) + ": " + refusal->what();
        if (refusal &&
            (*step == BabelUpdateStep::restart || *step == BabelUpdateStep::health_check)) {
            unhealthy = refusal->what();
            note(log_, "the new babel failed its health check: " + unhealthy);
        }
    }
    switch (*update.end) {
        case BabelUpdateEnd::installed:
            note(log_, "babel " + version_ + " installed and healthy");
            co_return;
        case BabelUpdateEnd::refused:
            throw *refusal;
        case BabelUpdateEnd::restored:
        case BabelUpdateEnd::none_installed:
        case BabelUpdateEnd::restore_failed:
            break;
    }
    const char* outcome = *update.end == BabelUpdateEnd::restored
                              ? "the previous babel was restored"
                          : *update.end == BabelUpdateEnd::none_installed
                              ? "no babel is installed"
                              : "the previous babel is back but did not start";
    const auto reason = unhealthy.empty()
                            ? "the new babel could not be put in place (" + first_failure + ")"
                            : "the new babel failed its health check (" + unhealthy + ")";
    throw rpc::Error(rpc::Code::failed_precondition, reason + "; " + outcome);
}

}  // namespace bv::babel
