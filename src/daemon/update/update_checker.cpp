#include "daemon/update/update_checker.hpp"

#include <boost/asio/error.hpp>
#include <algorithm>
#include <random>

#include "common/backoff_policy.hpp"
#include "common/files.hpp"
#include "common/log.hpp"
#include "common/worker_pool.hpp"
#include "daemon/update/update_decision.hpp"
#include "install/bundle.hpp"
#include "rpc/tls.hpp"

namespace bv::daemon {

namespace fs = std::filesystem;

namespace {

constexpr std::uint32_t kDefaultIntervalSeconds = 3600;

std::string lower_case(std::string text) {
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

}  // namespace

std::string_view outcome_name(UpdateCheckOutcome outcome) {
    switch (outcome) {
        case UpdateCheckOutcome::not_provisioned: return "not provisioned";
        case UpdateCheckOutcome::unreachable: return "control plane unreachable";
        case UpdateCheckOutcome::up_to_date: return "up to date";
        case UpdateCheckOutcome::installer_running: return "an installer runs";
        case UpdateCheckOutcome::refused: return "refused";
        case UpdateCheckOutcome::installer_started: return "installer started";
    }
    return "unknown";
}

BundleUnpacker default_bundle_unpacker() {
    return [](const fs::path& archive, const fs::path& destination, const std::vector<std::string>& keys) {
        install::unpack_bundle(archive, destination, keys);
    };
}

// The argument vector of a process, from /proc/<pid>/cmdline (NUL-separated).
std::vector<std::string> command_line_of(const fs::path& process) {
    std::vector<std::string> arguments;
    std::optional<std::string> content;
    try {
        content = read_file_if_exists(process / "cmdline");
    } catch (const std::system_error&) {
        return arguments;  // it ended meanwhile, or is not ours to read
    }
    if (!content) return arguments;
    std::size_t start = 0;
    while (start < content->size()) {
        const auto end = content->find('\0', start);
        arguments.push_back(content->substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return arguments;
}

UpdateChecker::UpdateChecker(HostPaths paths, HostConfigStore& config, ApiClient& api, ChildProcesses& children,
                             UpdateCheckerOptions options)
    : paths_(std::move(paths)),
      layout_(paths_),
      config_(config),
      api_(api),
      children_(children),
      options_(std::move(options)) {}

std::optional<install::InstallRun> UpdateChecker::unfinished_run() const {
    try {
        const auto state = read_file_if_exists(layout_.installer_state);
        if (!state) return std::nullopt;
        auto run = install::parse_run(*state);
        if (run.end) return std::nullopt;
        return run;
    } catch (const std::exception& error) {
        // The installer's to mend (it refuses or repairs its own state); not a reason to start it.
        log::warn("self update: {} cannot be read: {}", layout_.installer_state.string(), error.what());
        return std::nullopt;
    }
}

bool UpdateChecker::installer_running() const {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
        const auto name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;  // not a process
        const auto arguments = command_line_of(entry.path());
        // "blockvisor bv-installer --root R VERSION", or bv-installer by its own name. (A
        // zombie's cmdline is empty: it has ended.)
        const auto installer = std::ranges::find_if(arguments, [](const std::string& argument) {
            return argument == "bv-installer" || argument.ends_with("/bv-installer");
        });
        if (installer == arguments.end()) continue;
        const auto root = std::ranges::find(arguments, std::string("--root"));
        const auto its_root = root != arguments.end() && root + 1 != arguments.end() ? fs::path(*(root + 1)) : fs::path("/");
        if (fs::weakly_canonical(its_root, ec) == fs::weakly_canonical(paths_.root, ec)) return true;
    }
    return false;
}

void UpdateChecker::check_soon(const std::string& why) {
    log::info("self update: {}: checking now", why);
    wake_pending_ = true;
    wake_.notify_all();
}

asio::awaitable<void> UpdateChecker::first_check_decided(std::chrono::milliseconds bound) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (!first_decided_ && std::chrono::steady_clock::now() < deadline) co_await decided_.wait_until(deadline);
    if (!first_decided_) log::warn("self update: the first check takes longer than {} ms; bvd starts meanwhile", bound.count());
}

asio::awaitable<void> UpdateChecker::run() {
    std::mt19937_64 random{std::random_device{}()};
    for (;;) {
        wake_pending_ = false;
        std::optional<UpdateCheckOutcome> outcome;
        try {
            outcome = co_await check();
        } catch (const boost::system::system_error& error) {
            if (error.code() == asio::error::operation_aborted) throw;
            log::error("self update: the check failed: {}", error.what());
        } catch (const std::exception& error) {
            log::error("self update: the check failed: {}", error.what());
        }
        if (!first_decided_) {
            first_decided_ = true;
            decided_.notify_all();
        }
        if (outcome) log::debug("self update: check done: {}", outcome_name(*outcome));
        if (wake_pending_) continue;
        const auto seconds = config_.get().update_check_interval_s() > 0 ? config_.get().update_check_interval_s()
                                                                          : kDefaultIntervalSeconds;
        const auto interval = std::chrono::milliseconds(std::chrono::seconds(seconds));
        co_await wake_.wait_until(std::chrono::steady_clock::now() + within_a_tenth(interval, random()));
    }
}

asio::awaitable<UpdateCheckOutcome> UpdateChecker::check() {
    if (!api_.provisioned()) co_return UpdateCheckOutcome::not_provisioned;
    if (installer_running()) {
        log::info("self update: a bv-installer runs on this root: no check until it has ended");
        co_return UpdateCheckOutcome::installer_running;
    }
    if (const auto cut_short = unfinished_run(); cut_short && fs::exists(layout_.version_dir(cut_short->version))) {
        log::warn("self update: the installer of {} was cut short ({}, step {}): starting it again to finish or "
                  "roll back",
                  cut_short->version, layout_.installer_state.string(), install::step_name(cut_short->step));
        start_installer(cut_short->version, layout_.version_dir(cut_short->version));
        co_return UpdateCheckOutcome::installer_started;
    }
    api::v1::ListBundlesRequest request;
    request.set_host_id(api_.host_id());
    request.set_running_version(options_.running_version);
    std::optional<api::v1::ListBundlesResponse> listed;
    std::string failure;
    try {
        listed = co_await api_.call(api::list_bundles, request, options_.list_timeout);
    } catch (const rpc::Error& error) {
        failure = error.what();
    }
    if (!listed) {
        log::warn("self update: cannot ask the control plane for bundles: {} (checking again later)", failure);
        co_return UpdateCheckOutcome::unreachable;
    }
    UpdateChoiceInput input;
    input.running = options_.running_version;
    for (const auto& bundle : listed->bundles()) input.available.push_back(bundle.version());
    input.blacklist = install::read_blacklist(paths_);
    input.allow_major_update = config_.get().allow_major_update();
    const auto choice = choose_update(input);
    if (!first_decided_) {
        first_decided_ = true;
        decided_.notify_all();
    }
    if (!choice.version) {
        log::info("self update: {}", choice.reason);
        co_return UpdateCheckOutcome::up_to_date;
    }
    log::info("self update: {}: taking it", choice.reason);
    for (const auto& bundle : listed->bundles()) {
        if (bundle.version() == *choice.version) co_return co_await take(bundle);
    }
    co_return UpdateCheckOutcome::up_to_date;  // not reached: the choice is one of the versions listed
}

asio::awaitable<UpdateCheckOutcome> UpdateChecker::take(const api::v1::Bundle& bundle) {
    const auto& version = bundle.version();
    const auto sha256 = lower_case(bundle.sha256());
    if (!is_sha256_hex(sha256) || bundle.size() == 0) {
        log::error("self update to {}: the control plane gave no usable size ({}) and SHA-256 ('{}'): nothing installed",
                   version, bundle.size(), bundle.sha256());
        co_return UpdateCheckOutcome::refused;
    }
    if (refused_.contains(sha256)) {
        log::warn("self update to {}: this bundle (SHA-256 {}) was refused before: not downloaded again", version, sha256);
        co_return UpdateCheckOutcome::refused;
    }
    const auto destination = layout_.version_dir(version);
    if (fs::exists(destination / "bin" / "blockvisor")) {
        // Unpacked and checked by an earlier check whose installer did not finish.
        log::info("self update to {}: {} is unpacked already", version, destination.string());
    } else {
        const auto partial = paths_.state_dir / "downloads" / ("blockvisor-" + version + ".tar.gz.part");
        const auto& config = config_.get();
        DownloadSource source{bundle.url(), bundle.size(), sha256, {{"Authorization", "Bearer " + config.token()}},
                              rpc::make_tls_client(config.api_ca_file())};
        std::string failure;
        last_download_ = {};
        try {
            co_await download_resumable("bundle " + version, source, partial, options_.download, last_download_);
        } catch (const rpc::Error& error) {
            failure = error.what();
        }
        if (!failure.empty()) {
            log::error("self update to {}: the download failed: {}; nothing installed", version, failure);
            co_return UpdateCheckOutcome::refused;
        }
        std::string refusal;
        const std::vector<std::string> keys(config.release_public_keys().begin(), config.release_public_keys().end());
        try {
            co_await run_in_worker([&] { options_.unpack(partial, destination, keys); }, Work::bulk);
        } catch (const std::exception& error) {
            refusal = error.what();
        }
        // Unpacked or refused, the archive is of no more use.
        std::error_code ignored;
        fs::remove(partial, ignored);
        if (!refusal.empty()) {
            refused_.insert(sha256);
            log::error("self update to {}: the bundle from {} is refused: {}; nothing installed", version, bundle.url(),
                       refusal);
            co_return UpdateCheckOutcome::refused;
        }
        log::info("self update to {}: signature and checksums good; unpacked into {}", version, destination.string());
    }
    start_installer(version, destination);
    co_return UpdateCheckOutcome::installer_started;
}

void UpdateChecker::start_installer(const std::string& version, const fs::path& bundle_dir) {
    const auto log_dir = paths_.root / "var" / "log" / "blockvisor";
    fs::create_directories(log_dir);
    SpawnOptions spawn;
    spawn.argv = {(bundle_dir / "bin" / "blockvisor").string(), "bv-installer", "--root", paths_.root.string(), version};
    spawn.environment = current_environment();
    // Its own session: the installer stops and restarts this bvd, and must not go with it
    // (nor with the service's control group: blockvisor.service has KillMode=process).
    spawn.new_session = true;
    spawn.capture_output = false;
    spawn.output_file = log_dir / "installer.log";
    const auto child = children_.spawn(spawn);
    children_.abandon(child.pid);
    log::info("self update to {}: installer started (pid {}, its log: {})", version, child.pid,
              spawn.output_file.string());
}

}  // namespace bv::daemon
