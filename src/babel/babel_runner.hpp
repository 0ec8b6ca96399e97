#pragma once

#include <sys/types.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "babel/babel_update_plan.hpp"
#include "babel/log_buffer.hpp"
#include "babel/restarting_process.hpp"
#include "common/child_processes.hpp"
#include "rpc/endpoint.hpp"

namespace bv::babel {

// Keeps babel running inside the node, and replaces its binary when bvd sends a new one:
// verify, swap atomically, stop the old babel gracefully, start the new one, health-check it,
// and put the previous binary back if the new one fails. The entry points are not touched.
class BabelRunner {
public:
    // `arguments`: what babel is started with after its program path.
    BabelRunner(ChildProcesses& children, LogBuffer& log, std::filesystem::path state_dir,
                std::vector<std::string> arguments, rpc::Endpoint babel_endpoint);
    ~BabelRunner();

    // Reads what is installed; starts babel when it is.
    asio::awaitable<void> start();
    // SIGTERM (babel finishes the calls in flight), SIGKILL after `timeout`.
    asio::awaitable<void> stop(std::chrono::milliseconds timeout = std::chrono::seconds(10));

    bool installed() const { return !sha256_.empty(); }
    pid_t pid() const { return process_ ? process_->state().pid : 0; }
    const std::string& sha256() const { return sha256_; }
    const std::string& version() const { return version_; }

    // A piece of a new binary; offset 0 starts over. Throws rpc::Error(failed_precondition)
    // for a piece that does not continue the upload.
    void receive_chunk(std::uint64_t offset, std::string_view data, std::uint64_t total_size);
    // Installs the uploaded binary if its SHA-256 is `sha256`. Throws rpc::Error when the
    // upload is incomplete or corrupt (nothing changes) or when the new babel fails its
    // health check (the previous one is back and running).
    asio::awaitable<void> install(std::string sha256);

private:
    asio::awaitable<void> read_installed();
    asio::awaitable<void> health_check(std::chrono::milliseconds timeout);
    asio::awaitable<void> verify_upload(const std::string& sha256);
    asio::awaitable<void> do_update_step(BabelUpdateStep step, const std::string& sha256);

    ChildProcesses& children_;
    LogBuffer& log_;
    std::filesystem::path binary_;
    std::filesystem::path previous_binary_;
    std::filesystem::path upload_;
    std::vector<std::string> arguments_;
    rpc::Endpoint endpoint_;
    std::string sha256_;
    std::string version_;
    std::shared_ptr<RestartingProcess> process_;
    std::uint64_t upload_expected_size_ = 0;
    std::uint64_t upload_received_ = 0;
};

}  // namespace bv::babel
