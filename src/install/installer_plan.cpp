#include "install/installer_plan.hpp"

#include <array>
#include <boost/json.hpp>
#include <stdexcept>
#include <utility>

#include "install/version.hpp"

namespace bv::install {
namespace {

namespace json = boost::json;

constexpr std::array<std::pair<InstallStep, std::string_view>, 11> kSteps{{
    {InstallStep::check, "check"},
    {InstallStep::back_up, "back_up"},
    {InstallStep::notify_bvd, "notify_bvd"},
    {InstallStep::switch_current, "switch_current"},
    {InstallStep::restart, "restart"},
    {InstallStep::wait_healthy, "wait_healthy"},
    {InstallStep::clean_up, "clean_up"},
    {InstallStep::end_update_on_bvd, "end_update_on_bvd"},
    {InstallStep::blacklist, "blacklist"},
    {InstallStep::report_broken, "report_broken"},
    {InstallStep::roll_back, "roll_back"},
}};

constexpr std::array<std::pair<InstallEnd, std::string_view>, 5> kEnds{{
    {InstallEnd::installed, "installed"},
    {InstallEnd::refused, "refused"},
    {InstallEnd::not_switched, "not_switched"},
    {InstallEnd::handed_over, "handed_over"},
    {InstallEnd::broken, "broken"},
}};

template <class Value, std::size_t N>
std::string_view name_in(const std::array<std::pair<Value, std::string_view>, N>& table,
                         Value value) {
    for (const auto& [entry, name] : table) {
        if (entry == value) return name;
    }
    return "unknown";
}

template <class Value, std::size_t N>
std::optional<Value> value_in(const std::array<std::pair<Value, std::string_view>, N>& table,
                              std::string_view name) {
    for (const auto& [entry, entry_name] : table) {
        if (entry_name == name) return entry;
    }
    return std::nullopt;
}

std::optional<InstallStep> finish(InstallRun& run, InstallEnd end) {
    run.end = end;
    return std::nullopt;
}

std::optional<InstallStep> go(InstallRun& run, InstallStep step) {
    run.step = step;
    return step;
}

}  // namespace

std::string_view step_name(InstallStep step) {
    return name_in(kSteps, step);
}
std::optional<InstallStep> parse_step(std::string_view name) {
    return value_in(kSteps, name);
}
std::string_view end_name(InstallEnd end) {
    return name_in(kEnds, end);
}
std::optional<InstallEnd> parse_end(std::string_view name) {
    return value_in(kEnds, name);
}

std::string serialize_run(const InstallRun& run) {
    json::object object;
    object["version"] = run.version;
    object["previous"] = run.previous;
    object["rollback"] = run.rollback;
    object["step"] = step_name(run.step);
    if (run.end) object["end"] = end_name(*run.end);
    if (!run.failure.empty()) object["failure"] = run.failure;
    if (!run.rolls_back_because.empty()) object["rolls_back_because"] = run.rolls_back_because;
    return json::serialize(object) + "\n";
}

InstallRun parse_run(std::string_view text) {
    json::value document;
    try {
        document = json::parse(text);
    } catch (const std::exception& error) {
        throw std::runtime_error(std::string("not JSON: ") + error.what());
    }
    const auto* object = document.if_object();
    if (!object) throw std::runtime_error("not a JSON object");
    const auto string_field = [&](std::string_view key, bool required) -> std::string {
        const auto* value = object->if_contains(key);
        if (!value) {
            if (required) throw std::runtime_error("no \"" + std::string(key) + "\"");
            return {};
        }
        if (!value->is_string())
            throw std::runtime_error("\"" + std::string(key) + "\" is not a string");
        return std::string(value->get_string());
    };
    InstallRun run;
    run.version = string_field("version", true);
    if (!Version::parse(run.version))
        throw std::runtime_error("\"version\" is not a release version: " + run.version);
    run.previous = string_field("previous", false);
    if (const auto* rollback = object->if_contains("rollback")) {
        if (!rollback->is_bool()) throw std::runtime_error("\"rollback\" is not true or false");
        run.rollback = rollback->get_bool();
    }
    const auto step = string_field("step", true);
    const auto parsed_step = parse_step(step);
    if (!parsed_step) throw std::runtime_error("unknown step \"" + step + "\"");
    run.step = *parsed_step;
    if (const auto end = string_field("end", false); !end.empty()) {
        run.end = parse_end(end);
        if (!run.end) throw std::runtime_error("unknown end \"" + end + "\"");
    }
    run.failure = string_field("failure", false);
    run.rolls_back_because = string_field("rolls_back_because", false);
    return run;
}

StartDecision decide_start(const std::optional<InstallRun>& persisted, const std::string& requested,
                           const std::optional<std::string>& current,
                           const std::set<std::string>& blacklist) {
    if (persisted && !persisted->end) {
        const bool handed_to_this_installer =
            persisted->step == InstallStep::roll_back && persisted->previous == requested;
        if (!handed_to_this_installer) {
            return {StartDecision::Kind::resume, *persisted,
                    persisted->version == requested
                        ? "resuming the interrupted install of " + persisted->version +
                              " at step " + std::string(step_name(persisted->step))
                        : "an install of " + persisted->version + " was interrupted at step " +
                              std::string(step_name(persisted->step)) +
                              ": finishing it first (then run again for " + requested + ")"};
        }
    }
    InstallRun run;
    run.version = requested;
    if (persisted && !persisted->end) {
        run.rolls_back_because =
            "the update to " + persisted->version + " failed: " + persisted->failure;
    }
    if (blacklist.contains(requested)) {
        run.end = InstallEnd::refused;
        return {StartDecision::Kind::refuse, run,
                "version " + requested +
                    " is blacklisted (it failed on this host before; remove it from the "
                    "blacklist file to try it again)"};
    }
    run.previous = current.value_or("");
    run.rollback = current && blacklist.contains(*current);
    return {StartDecision::Kind::begin, run, {}};
}

std::optional<InstallStep> advance(InstallRun& run, bool succeeded) {
    switch (run.step) {
        case InstallStep::check:
            // A rollback that cannot even start leaves the host on the failed version.
            if (!succeeded && run.rollback) return go(run, InstallStep::report_broken);
            if (!succeeded) return finish(run, InstallEnd::refused);
            // Nothing runs on a first install; a rollback's running version is the failed one.
            return go(run, run.previous.empty() || run.rollback || run.previous == run.version
                               ? InstallStep::notify_bvd
                               : InstallStep::back_up);
        case InstallStep::back_up:
            if (!succeeded) return finish(run, InstallEnd::refused);
            return go(run, InstallStep::notify_bvd);
        case InstallStep::notify_bvd:
            // Advisory: a bvd that cannot be told (hung, or its operations would not finish in
            // time) is restarted anyway, as a crash would; its nodes outlive it.
            return go(run, InstallStep::switch_current);
        case InstallStep::switch_current:
            return go(run, succeeded ? InstallStep::restart : InstallStep::end_update_on_bvd);
        case InstallStep::end_update_on_bvd:
            return finish(run, InstallEnd::not_switched);
        case InstallStep::restart:
            return go(run, succeeded ? InstallStep::wait_healthy : InstallStep::blacklist);
        case InstallStep::wait_healthy:
            return go(run, succeeded ? InstallStep::clean_up : InstallStep::blacklist);
        case InstallStep::clean_up:
            // Best effort: leftovers cost disk, not correctness.
            return finish(run, InstallEnd::installed);
        case InstallStep::blacklist:
            // Blacklisting is best effort too: the rollback matters more than the record.
            if (run.rollback || run.previous.empty() || run.previous == run.version) {
                return go(run, InstallStep::report_broken);
            }
            return go(run, InstallStep::roll_back);
        case InstallStep::report_broken:
            return finish(run, InstallEnd::broken);
        case InstallStep::roll_back:
            if (succeeded) return finish(run, InstallEnd::handed_over);
            return go(run, InstallStep::report_broken);
    }
    return finish(run, InstallEnd::broken);
}

std::vector<std::string> versions_to_clean(const std::vector<std::string>& installed,
                                           const std::string& current,
                                           const std::optional<std::string>& backup) {
    std::vector<std::string> removed;
    for (const auto& name : installed) {
        if (!Version::parse(name) || name == current || (backup && name == *backup)) continue;
        removed.push_back(name);
    }
    return removed;
}

}  // namespace bv::install
