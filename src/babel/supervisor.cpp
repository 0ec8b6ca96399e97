#include "babel/supervisor.hpp"

#include <signal.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <filesystem>
#include <set>

#include "common/async.hpp"
#include "common/log.hpp"

namespace bv::babel {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto as_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kOwnSource = "babelsup";

std::vector<std::string> entry_point_names(const std::vector<EntryPoint>& entry_points) {
    std::vector<std::string> names;
    std::set<std::string> taken;
    for (const auto& entry_point : entry_points) {
        const auto base = std::filesystem::path(entry_point.command).filename().string();
        auto name = base;
        for (int n = 2; taken.contains(name); ++n) name = base + "-" + std::to_string(n);
        taken.insert(name);
        names.push_back(name);
    }
    return names;
}

}  // namespace

struct Supervisor::Runner {
    EntryPoint entry_point;
    SpawnOptions spawn;
    EntryPointState state;
    BackoffPolicy backoff;
    std::unique_ptr<asio::steady_timer> restart_delay;
    bool finished = false;
};

Supervisor::Supervisor(ChildProcesses& children, LogBuffer& log) : children_(children), log_(log) {}

Supervisor::~Supervisor() {
    for (auto& runner : runners_) {
        if (runner->state.pid > 0) ::kill(-runner->state.pid, SIGKILL);
    }
}

void Supervisor::start(const SupervisorConfig& config, const std::map<std::string, std::string>& environment) {
    config_ = config;
    stopping_ = false;
    runners_.clear();
    const auto names = entry_point_names(config.entry_points);
    for (std::size_t i = 0; i < config.entry_points.size(); ++i) {
        const auto& entry_point = config.entry_points[i];
        auto runner = std::make_shared<Runner>(Runner{
            entry_point, {}, {}, BackoffPolicy(std::chrono::milliseconds(config.backoff_base_ms),
                                               std::chrono::milliseconds(config.backoff_max_ms),
                                               std::chrono::milliseconds(config.backoff_timeout_ms)),
            nullptr, false});
        runner->state.name = names[i];
        runner->spawn.argv.push_back(entry_point.command);
        runner->spawn.argv.insert(runner->spawn.argv.end(), entry_point.args.begin(), entry_point.args.end());
        runner->spawn.environment = environment;
        for (const auto& [name, value] : entry_point.env) runner->spawn.environment[name] = value;
        runner->spawn.user = entry_point.user;
        runners_.push_back(std::move(runner));
    }
    for (auto& runner : runners_) {
        asio::co_spawn(children_.executor(), supervise(runner), log::LogFailure{"supervising " + runner->state.name});
    }
}

asio::awaitable<void> Supervisor::supervise(std::shared_ptr<Runner> shared) {
    auto& runner = *shared;
    auto& state = runner.state;
    runner.restart_delay = std::make_unique<asio::steady_timer>(co_await asio::this_coro::executor);
    while (!stopping_) {
        const auto started = Clock::now();
        try {
            auto child = children_.spawn(runner.spawn);
            state.pid = child.pid;
            state.started = started;
            runner.backoff.started(started);
            note(log_, state.name + " started (pid " + std::to_string(child.pid) + ")");
            asio::co_spawn(children_.executor(), capture_lines(std::move(*child.stdout_pipe), state.name, log_), asio::detached);
            asio::co_spawn(children_.executor(), capture_lines(std::move(*child.stderr_pipe), state.name, log_), asio::detached);
            const auto status = co_await children_.wait(child.pid);
            state.pid = 0;
            state.last_exit = status.describe();
        } catch (const std::system_error& error) {
            runner.backoff.started(started);
            state.last_exit = error.what();
        }
        if (stopping_) break;
        ++state.restarts;
        const auto delay = runner.backoff.delay_after_exit(Clock::now());
        note(log_, state.name + " " + state.last_exit + "; restarting in " + std::to_string(delay.count()) + " ms");
        runner.restart_delay->expires_after(delay);
        co_await runner.restart_delay->async_wait(as_tuple);
    }
    runner.finished = true;
    runner_finished_.notify_all();
}

asio::awaitable<bool> Supervisor::wait_until_all_finished(Clock::time_point deadline) {
    const auto all_finished = [&] {
        return std::all_of(runners_.begin(), runners_.end(), [](const auto& runner) { return runner->finished; });
    };
    while (!all_finished()) {
        if (Clock::now() >= deadline) co_return false;
        co_await with_timeout(runner_finished_.wait(), deadline - Clock::now());
    }
    co_return true;
}

asio::awaitable<void> Supervisor::stop() {
    stopping_ = true;
    for (auto& runner : runners_) {
        if (runner->restart_delay) runner->restart_delay->cancel();
        if (runner->state.pid > 0) ::kill(-runner->state.pid, SIGTERM);
    }
    const auto graceful = std::chrono::milliseconds(config_.stop_timeout_ms);
    const bool all_stopped = co_await wait_until_all_finished(Clock::now() + graceful);
    if (all_stopped) co_return;
    for (auto& runner : runners_) {
        if (runner->state.pid > 0) {
            note(log_, runner->state.name + " did not stop within " + std::to_string(graceful.count()) +
                                        " ms; killing its process group");
            ::kill(-runner->state.pid, SIGKILL);
        }
    }
    co_await wait_until_all_finished(Clock::now() + std::chrono::seconds(10));
}

std::vector<EntryPointState> Supervisor::states() const {
    std::vector<EntryPointState> states;
    for (const auto& runner : runners_) states.push_back(runner->state);
    return states;
}

void note(LogBuffer& log, const std::string& message) {
    log::info("{}", message);
    log.append(kOwnSource, message);
}

asio::awaitable<void> capture_lines(asio::posix::stream_descriptor pipe, std::string source, LogBuffer& log) {
    LineSplitter splitter;
    char buffer[8192];
    for (;;) {
        auto [ec, read] = co_await pipe.async_read_some(asio::buffer(buffer), as_tuple);
        if (ec) break;
        for (auto& line : splitter.feed(std::string_view(buffer, read))) log.append(source, line);
    }
    if (auto rest = splitter.finish(); !rest.empty()) log.append(source, rest);
}

}  // namespace bv::babel
