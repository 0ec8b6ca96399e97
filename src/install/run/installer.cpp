#include "install/run/installer.hpp"

#include <signal.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "common/async.hpp"
#include "common/event_loop.hpp"
#include "common/files.hpp"
#include "common/lock_file.hpp"
#include "common/log.hpp"
#include "daemon/control/api_client.hpp"
#include "daemon/control/api_contract.hpp"
#include "daemon/host_contract.hpp"
#include "host/host_config.hpp"
#include "install/bundle.hpp"
#include "install/installer_plan.hpp"
#include "install/layout.hpp"
#include "install/version.hpp"
#include "rpc/connect_client.hpp"
#include "rpc/error.hpp"

namespace bv::install {
namespace {

namespace fs = std::filesystem;
namespace v1 = blockvisor::v1;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::vector<std::string> trusted_keys(const HostPaths& paths) {
    const auto config = load_host_config(paths.config_file);
    return {config.release_public_keys().begin(), config.release_public_keys().end()};
}

std::string service_manager_name(ServiceManagerKind kind) {
    return kind == ServiceManagerKind::systemd ? "systemd" : "process";
}

// argv for running an installer binary with these options, for another version.
std::vector<std::string> installer_arguments(const fs::path& binary,
                                             const InstallerOptions& options,
                                             const std::string& version) {
    return {binary.string(),
            "bv-installer",
            "--root",
            options.paths.root.string(),
            "--service-manager",
            service_manager_name(options.service_manager),
            "--health-timeout",
            std::to_string(options.health_timeout.count()),
            "--drain-timeout",
            std::to_string(options.drain_timeout.count()),
            version};
}

// Replaces this process; returns only when exec failed (throws then).
[[noreturn]] void exec_installer(const std::vector<std::string>& arguments) {
    std::vector<char*> argv;
    for (const auto& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
    argv.push_back(nullptr);
    std::fflush(nullptr);
    ::execv(argv[0], argv.data());
    throw std::system_error(errno, std::generic_category(),
                            "cannot run the installer " + arguments[0]);
}

// Unpacks --bundle into opt/blockvisor/<its version> (kept when that version is there and
// verifies already) and returns the version.
std::string unpack_given_bundle(const InstallerOptions& options) {
    const InstallLayout layout(options.paths);
    const auto keys = trusted_keys(options.paths);
    const auto staging = layout.install_dir / (".bundle-" + std::to_string(::getpid()));
    std::error_code ec;
    fs::remove_all(staging, ec);
    const auto manifest = unpack_bundle(*options.bundle, staging, keys);
    if (!options.version.empty() && options.version != manifest.version) {
        fs::remove_all(staging, ec);
        throw std::runtime_error("the bundle " + options.bundle->string() + " holds version " +
                                 manifest.version + ", not " + options.version);
    }
    const auto destination = layout.version_dir(manifest.version);
    if (fs::exists(fs::symlink_status(destination))) {
        fs::remove_all(staging, ec);
        verify_unpacked_bundle(destination, keys);
        log::info("step=unpack version={} result=ok (unpacked already in {})", manifest.version,
                  destination.string());
    } else {
        fs::rename(staging, destination);
        sync_directory(layout.install_dir);
        log::info("step=unpack version={} result=ok into {}", manifest.version,
                  destination.string());
    }
    return manifest.version;
}

// Tests of a killed installer (tests/integration/self_update_installer_test.cpp): SIGKILL
// right after the run was persisted at the step BV_TEST_INSTALLER_KILL_AT names, before the
// step is done. Test-only by name; nothing else reads it.
void kill_here_if_a_test_asks(InstallStep step) {
    const char* kill_at = std::getenv("BV_TEST_INSTALLER_KILL_AT");
    if (kill_at != nullptr && step_name(step) == kill_at) ::kill(::getpid(), SIGKILL);
}

class Installer {
  public:
    Installer(boost::asio::io_context& io, const InstallerOptions& options)
        : io_(io),
          options_(options),
          layout_(options.paths),
          children_(io.get_executor()),
          service_(make_service_manager(options.service_manager, options.paths, children_)) {}

    asio::awaitable<int> run() {
        std::optional<InstallRun> persisted;
        if (const auto saved = read_file_if_exists(layout_.installer_state)) {
            try {
                persisted = parse_run(*saved);
            } catch (const std::exception& error) {
                log::error("{} is damaged ({}): move it away and run bv-installer again",
                           layout_.installer_state.string(), error.what());
                co_return 1;
            }
        }
        const auto running = co_await running_version();
        const auto decision =
            decide_start(persisted, options_.version, running, read_blacklist(options_.paths));
        if (decision.kind == StartDecision::Kind::refuse) {
            log::error("step=start version={} result=refused: {}", options_.version,
                       decision.reason);
            co_return 1;
        }
        run_ = decision.run;
        if (decision.kind == StartDecision::Kind::resume) {
            log::info("step=start version={} result=resume: {}", run_.version, decision.reason);
        } else {
            log::info("step=start version={} previous={} rollback={} service_manager={}",
                      run_.version, run_.previous.empty() ? "none" : run_.previous, run_.rollback,
                      service_->name());
        }
        for (std::optional<InstallStep> step = run_.step; step;) {
            const auto error = co_await attempt(*step);
            if (error.empty()) {
                log::info("step={} version={} result=ok", step_name(*step), run_.version);
            } else {
                log::error("step={} version={} result=failed: {}", step_name(*step), run_.version,
                           error);
                if (run_.failure.empty())
                    run_.failure = std::string(step_name(*step)) + ": " + error;
            }
            step = advance(run_, error.empty());
        }
        persist();
        co_return finish_message();
    }

  private:
    // The step's error, or "" when it succeeded. The run is persisted first: killed during
    // the step, the installer run again does it again.
    asio::awaitable<std::string> attempt(InstallStep step) {
        std::string error;
        try {
            persist_or_throw();
            kill_here_if_a_test_asks(step);
            co_await perform(step);
        } catch (const std::exception& failure) {
            error = failure.what();
        }
        co_return error;
    }

    void persist_or_throw() {
        fs::create_directories(layout_.installer_state.parent_path());
        write_file_atomically(layout_.installer_state, serialize_run(run_));
    }

    void persist() {
        try {
            persist_or_throw();
        } catch (const std::exception& error) {
            log::error("cannot record the end of the run in {}: {}",
                       layout_.installer_state.string(), error.what());
        }
    }

    asio::awaitable<void> perform(InstallStep step) {
        switch (step) {
            case InstallStep::check:
                check();
                break;
            case InstallStep::back_up:
                back_up();
                break;
            case InstallStep::notify_bvd:
                co_await notify_bvd();
                break;
            case InstallStep::switch_current:
                point_link_at(layout_.current, run_.version);
                break;
            case InstallStep::restart:
                co_await service_->restart();
                break;
            case InstallStep::wait_healthy:
                co_await wait_healthy();
                break;
            case InstallStep::clean_up:
                clean_up();
                break;
            case InstallStep::end_update_on_bvd:
                co_await tell_update_ended("the update to " + run_.version +
                                           " failed before the switch: " + run_.failure);
                break;
            case InstallStep::blacklist:
                add_to_blacklist(options_.paths, run_.version);
                break;
            case InstallStep::report_broken:
                co_await report_broken();
                break;
            case InstallStep::roll_back:
                exec_installer(
                    installer_arguments(layout_.version_dir(run_.previous) / "bin/blockvisor",
                                        options_, run_.previous));
        }
    }

    // What current points at; without it (bvd installed otherwise, e.g. by a package), the
    // version a running bvd answers with.
    asio::awaitable<std::optional<std::string>> running_version() {
        if (auto linked = linked_version(layout_.current)) co_return linked;
        if (!running_bvd_pid(options_.paths)) co_return std::nullopt;
        std::optional<std::string> answered;
        try {
            auto client = bvd_client();
            const auto health =
                co_await client.call(daemon::host_api::health, v1::HealthRequest(), 5s);
            if (Version::parse(health.version())) answered = health.version();
        } catch (const std::exception& error) {
            log::warn("step=start: a bvd runs but does not answer ({}): nothing to back up",
                      error.what());
        }
        co_return answered;
    }

    // The running version's directory, or (bvd not installed from a bundle) a copy of the
    // running bvd's binaries made into one.
    void back_up() {
        const auto directory = layout_.version_dir(run_.previous);
        if (!fs::exists(directory)) {
            const auto pid = running_bvd_pid(options_.paths);
            if (!pid)
                throw std::runtime_error("version " + run_.previous +
                                         " is neither installed nor running");
            const auto exe = fs::path("/proc/" + std::to_string(*pid) + "/exe");
            write_local_backup(directory, run_.previous,
                               {{"bin/blockvisor", exe},
                                {"bin/bv-node", fs::read_symlink(exe).parent_path() / "bv-node"}});
            log::info("step=back_up: copied the running bvd's binaries into {}",
                      directory.string());
        }
        point_link_at(layout_.backup, run_.previous);
    }

    void check() {
        const auto directory = layout_.version_dir(run_.version);
        if (!fs::is_directory(directory)) {
            throw std::runtime_error("version " + run_.version + " is not unpacked in " +
                                     directory.string() + " (give its bundle with --bundle FILE)");
        }
        const auto manifest = verify_installed_version(directory, trusted_keys(options_.paths));
        if (manifest.version != run_.version) {
            throw std::runtime_error(directory.string() + " holds version " + manifest.version +
                                     ", not " + run_.version);
        }
    }

    rpc::ConnectClient bvd_client() {
        return rpc::ConnectClient(io_.get_executor(), rpc::unix_endpoint(options_.paths.socket));
    }

    asio::awaitable<void> notify_bvd() {
        if (!running_bvd_pid(options_.paths)) {
            log::info("step=notify_bvd: no bvd runs");
            co_return;
        }
        v1::UpdateStartingRequest request;
        request.set_version(run_.version);
        request.set_drain_timeout_ms(
            static_cast<std::uint32_t>(options_.drain_timeout.count() * 1000));
        auto client = bvd_client();
        const auto response = co_await client.call(daemon::host_api::update_starting, request,
                                                   options_.drain_timeout + 15s);
        if (response.operations_in_flight() > 0) {
            log::warn(
                "step=notify_bvd: {} node operations still run; restarting bvd anyway (their nodes "
                "stay)",
                response.operations_in_flight());
        }
    }

    asio::awaitable<void> wait_healthy() {
        const auto deadline = Clock::now() + options_.health_timeout;
        std::string last = "no answer";
        for (;;) {
            if (const auto died = service_->started_bvd_died())
                throw std::runtime_error("the new " + *died);
            std::string answer_error;
            std::string version;
            try {
                auto client = bvd_client();
                const auto health =
                    co_await client.call(daemon::host_api::health, v1::HealthRequest(), 2s);
                version = health.version();
            } catch (const std::exception& error) {
                answer_error = error.what();
            }
            if (answer_error.empty() && version == run_.version) break;
            last = answer_error.empty() ? "bvd answers as version " + version : answer_error;
            if (Clock::now() >= deadline) {
                throw std::runtime_error("the new bvd was not healthy within " +
                                         std::to_string(options_.health_timeout.count()) +
                                         " s (last: " + last + ")");
            }
            co_await sleep_for(50ms);
        }
        co_await tell_update_ended(run_.rollback ? "rolled back to " + run_.version + " (" +
                                                       run_.rolls_back_because + ")"
                                                 : "installed " + run_.version);
    }

    // Best effort: a bvd that is not told stays in the update's mode until it restarts.
    asio::awaitable<void> tell_update_ended(std::string message) {
        v1::UpdateEndedRequest request;
        request.set_message(std::move(message));
        std::string failure;
        try {
            auto client = bvd_client();
            co_await client.call(daemon::host_api::update_ended, request, 20s);
        } catch (const std::exception& error) {
            failure = error.what();
        }
        if (!failure.empty()) log::warn("cannot tell bvd the update ended: {}", failure);
    }

    void clean_up() {
        std::vector<std::string> installed;
        for (const auto& entry : fs::directory_iterator(layout_.install_dir)) {
            if (entry.is_directory() && !entry.is_symlink()) {
                installed.push_back(entry.path().filename().string());
            }
        }
        for (const auto& version :
             versions_to_clean(installed, run_.version, linked_version(layout_.backup))) {
            fs::remove_all(layout_.version_dir(version));
            log::info("step=clean_up: removed version {}", version);
        }
    }

    // The control plane hears it from here: bvd may be what is broken.
    asio::awaitable<void> report_broken() {
        HostConfigStore config(options_.paths.config_file,
                               load_host_config(options_.paths.config_file));
        daemon::ApiClient api(io_.get_executor(), config);
        if (!api.provisioned()) {
            log::warn("step=report_broken: the host is not provisioned: no control plane to tell");
            co_return;
        }
        daemon::api::v1::UpdateHostStatusRequest request;
        request.set_host_id(api.host_id());
        request.set_status(daemon::api::v1::HOST_STATUS_BROKEN);
        request.set_message(broken_message());
        request.set_version(run_.version);
        co_await api.call(daemon::api::update_host_status, request, 15s);
    }

    std::string broken_message() const {
        std::string message =
            run_.rollback ? "the rollback to " + run_.version + " failed (" + run_.failure + ")"
                          : "the install of " + run_.version + " failed (" + run_.failure +
                                ") and there is no backup to roll back to";
        if (!run_.rolls_back_because.empty()) message += " after " + run_.rolls_back_because;
        return message + "; see " + bvd_log_file(options_.paths).string() +
               " or the journal, then run bv-installer again";
    }

    int finish_message() const {
        switch (*run_.end) {
            case InstallEnd::installed:
                log::info("step=end version={} result=installed{}", run_.version,
                          run_.rollback ? " (rolled back)" : "");
                if (run_.version != options_.version) {
                    log::info(
                        "the interrupted install of {} is finished: run bv-installer again for {}",
                        run_.version, options_.version);
                }
                return run_.rollback ? 1 : 0;
            case InstallEnd::refused:
                log::error("step=end version={} result=refused: {}; nothing was changed",
                           run_.version, run_.failure);
                return 1;
            case InstallEnd::not_switched:
                log::error("step=end version={} result=not_switched: {}; the running version stays",
                           run_.version, run_.failure);
                return 1;
            case InstallEnd::handed_over:
                return 1;  // exec failed is reported as broken; not reached
            case InstallEnd::broken:
                log::error("step=end version={} result=broken: the host is broken: {}",
                           run_.version, broken_message());
                return 1;
        }
        return 1;
    }

    boost::asio::io_context& io_;
    const InstallerOptions& options_;
    InstallLayout layout_;
    ChildProcesses children_;
    std::unique_ptr<ServiceManager> service_;
    InstallRun run_;
};

}  // namespace

int run_installer(const InstallerOptions& given) {
    auto options = given;
    log::init("bv-installer", log::Level::info);
    try {
        if (options.bundle) {
            const auto version = unpack_given_bundle(options);
            // The bundle's own installer installs it (the same binary as its bvd).
            exec_installer(installer_arguments(
                InstallLayout(options.paths).version_dir(version) / "bin/blockvisor", options,
                version));
        }
        if (!Version::parse(options.version)) {
            Version::parse_or_throw(options.version);
        }
        fs::create_directories(options.paths.run_dir);
    } catch (const std::exception& error) {
        log::error("step=unpack result=refused: {}; nothing was changed", error.what());
        return 1;
    }
    std::string holder;
    const auto lock = LockFile::try_acquire(options.paths.run_dir / "installer.lock", &holder);
    if (!lock) {
        log::error("another bv-installer (pid {}) is running on root {}: wait for it to end",
                   holder.empty() ? "unknown" : holder, options.paths.root.string());
        return 1;
    }
    int exit_code = 1;
    const auto failed =
        run_event_loop("bv-installer", [&](boost::asio::io_context& io) -> asio::awaitable<void> {
            Installer installer(io, options);
            exit_code = co_await installer.run();
        });
    return failed != 0 ? failed : exit_code;
}

}  // namespace bv::install
