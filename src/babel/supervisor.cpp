#include "babel/supervisor.hpp"

#include <filesystem>
#include <set>

namespace bv::babel {
namespace {

using Clock = std::chrono::steady_clock;

// Entry points are named after their command; a second one with the same command gets "-2".
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

Supervisor::~Supervisor() {
    for (auto& entry_point : entry_points_) entry_point->kill();
}

void Supervisor::start(const SupervisorConfig& config, const std::map<std::string, std::string>& environment) {
    config_ = config;
    entry_points_.clear();
    const auto names = entry_point_names(config.entry_points);
    for (std::size_t i = 0; i < config.entry_points.size(); ++i) {
        const auto& entry_point = config.entry_points[i];
        SpawnOptions spawn;
        spawn.argv.push_back(entry_point.command);
        spawn.argv.insert(spawn.argv.end(), entry_point.args.begin(), entry_point.args.end());
        spawn.environment = environment;
        for (const auto& [name, value] : entry_point.env) spawn.environment[name] = value;
        spawn.user = entry_point.user;
        const BackoffPolicy backoff(std::chrono::milliseconds(config.backoff_base_ms),
                                    std::chrono::milliseconds(config.backoff_max_ms),
                                    std::chrono::milliseconds(config.backoff_timeout_ms));
        entry_points_.push_back(std::make_shared<RestartingProcess>(children_, log_, names[i], std::move(spawn), backoff));
    }
    for (auto& entry_point : entry_points_) entry_point->start();
}

asio::awaitable<void> Supervisor::stop() {
    // All at once, so that the whole stop takes stop_timeout_ms, not that times the count.
    for (auto& entry_point : entry_points_) entry_point->request_stop();
    const auto graceful = std::chrono::milliseconds(config_.stop_timeout_ms);
    const auto deadline = Clock::now() + graceful;
    for (auto& entry_point : entry_points_) co_await entry_point->wait_finished(deadline);
    for (auto& entry_point : entry_points_) {
        if (entry_point->finished()) continue;
        note(log_, entry_point->state().name + " did not stop within " + std::to_string(graceful.count()) +
                       " ms; killing its process group");
        entry_point->kill();
    }
    const auto last_chance = Clock::now() + std::chrono::seconds(10);
    for (auto& entry_point : entry_points_) co_await entry_point->wait_finished(last_chance);
}

std::vector<ProcessState> Supervisor::states() const {
    std::vector<ProcessState> states;
    for (const auto& entry_point : entry_points_) states.push_back(entry_point->state());
    return states;
}

}  // namespace bv::babel
