#include "babel/config.hpp"

#include "babel/method_text.hpp"
#include "babel/toml_reader.hpp"

#include <fmt/core.h>
#include "babel/toml.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <concepts>
#include <limits>
#include <set>
#include <sstream>
#include <system_error>
#include <type_traits>
#include <utility>

#include "common/files.hpp"
#include "common/log.hpp"

namespace bv::babel {
namespace {

using Version = std::array<std::uint64_t, 3>;

constexpr std::array<std::pair<std::string_view, Transport>, 3> kTransports{{
    {"jrpc", Transport::jrpc},
    {"rest", Transport::rest},
    {"sh", Transport::sh},
}};
constexpr std::array<std::pair<std::string_view, ResponseFormat>, 2> kResponseFormats{{
    {"raw", ResponseFormat::raw},
    {"json", ResponseFormat::json},
}};

// Up to three dot-separated numbers; the missing ones are 0.
std::optional<Version> parse_version(std::string_view text) {
    Version version{};
    const char* position = text.data();
    const char* const end = text.data() + text.size();
    for (auto& part : version) {
        const auto [after, error] = std::from_chars(position, end, part);
        if (error != std::errc{}) return std::nullopt;
        if (after == end) return version;
        if (*after != '.') return std::nullopt;
        position = after + 1;
    }
    return std::nullopt;
}

constexpr std::string_view kMountPoint = "data_directory_mount_point";

void read_non_empty_if_given(TableReader& reader, std::string_view key, std::string& out) {
    if (reader.read(key, out, Presence::optional) && out.empty())
        reader.problem(key, "expected a non-empty string, got \"\"");
}

ChainConfig read_chain_config(TableReader& reader) {
    ChainConfig config;
    reader.read_non_empty("protocol", config.protocol);
    reader.read_non_empty("node_type", config.node_type);
    reader.read_non_empty("node_version", config.node_version);
    // The original system renamed babel_version to min_babel_version.
    const auto babel_version = reader.either("babel_version", "min_babel_version");
    if (reader.read(babel_version, config.babel_version, Presence::required) &&
        !parse_version(config.babel_version)) {
        reader.problem(babel_version, fmt::format("expected a version x.y.z, got {}",
                                                  in_quotes(config.babel_version)));
    }
    reader.read("description", config.description, Presence::optional);
    if (reader.read("api_host", config.api_host, Presence::optional) &&
        !config.api_host.starts_with("http://") && !config.api_host.starts_with("https://")) {
        reader.problem("api_host",
                       fmt::format("expected a URL starting with http:// or https://, got {}",
                                   in_quotes(config.api_host)));
    }
    constexpr std::string_view kPorts = "an array of port numbers";
    if (const auto ports = reader.value("ports", Presence::optional, kPorts)) {
        ports->read_array(config.ports, kPorts,
                          [](const ValueReader& element, std::uint16_t& port) {
                              return element.read(port, IntegerRange{1, 65535});
                          });
    }
    read_non_empty_if_given(reader, kMountPoint, config.data_directory_mount_point);
    reader.log_unknown_keys();
    return config;
}

// The original system's files say `vcpu`, `ram` (in GB) and `disk`.
Requirements read_requirements(TableReader& reader) {
    Requirements requirements;
    reader.read(reader.either("vcpu_count", "vcpu"), requirements.vcpu_count, Presence::required);
    if (reader.either("mem_size_mb", "ram") == "ram") {
        std::uint32_t gigabytes = 0;  // 32 bits: megabytes cannot overflow
        if (reader.read("ram", gigabytes, Presence::required)) {
            requirements.mem_size_mb = std::uint64_t{gigabytes} * 1024;
        }
    } else {
        reader.read("mem_size_mb", requirements.mem_size_mb, Presence::required);
    }
    reader.read(reader.either("disk_size_gb", "disk"), requirements.disk_size_gb,
                Presence::required);
    reader.log_unknown_keys();
    return requirements;
}

std::string read_path_append(TableReader& reader) {
    std::string path_append;
    reader.read("path_append", path_append, Presence::optional);
    reader.log_unknown_keys();
    return path_append;
}

EntryPoint read_entry_point(TableReader& reader) {
    EntryPoint entry_point;
    reader.read_non_empty("command", entry_point.command);
    reader.read("args", entry_point.args, Presence::required);
    reader.read("env", entry_point.env, Presence::optional);
    reader.read("user", entry_point.user, Presence::optional);
    reader.log_unknown_keys();
    return entry_point;
}

// `mount_point`: the original system's later files give data_directory_mount_point here.
SupervisorConfig read_supervisor(TableReader& reader, std::string& mount_point) {
    SupervisorConfig supervisor;
    read_non_empty_if_given(reader, kMountPoint, mount_point);
    reader.read("backoff_base_ms", supervisor.backoff_base_ms, Presence::optional);
    reader.read("backoff_timeout_ms", supervisor.backoff_timeout_ms, Presence::optional);
    reader.read("backoff_max_ms", supervisor.backoff_max_ms, Presence::optional);
    reader.read("log_buffer_capacity_ln", supervisor.log_buffer_capacity_ln, Presence::optional,
                IntegerRange{1, 4096});
    reader.read("stop_timeout_ms", supervisor.stop_timeout_ms, Presence::optional);
    constexpr std::string_view kEntryPoints =
        "at least one [[supervisor.entry_point]] with a command";
    for (auto& entry_point : reader.tables("entry_point", Presence::required, kEntryPoints)) {
        supervisor.entry_points.push_back(read_entry_point(entry_point));
    }
    if (const auto* array = reader.entries().get_as<toml::array>("entry_point");
        array && array->empty()) {
        reader.problem("entry_point", fmt::format("expected {}, got an empty array", kEntryPoints));
    }
    reader.log_unknown_keys();
    return supervisor;
}

std::map<std::string, std::string> read_keys(TableReader& reader) {
    std::map<std::string, std::string> keys;
    for (const auto& [name, node] : reader.entries()) {
        if (name.str() != "*" && !is_plain_file_name(name.str())) {
            reader.problem_with_name(
                name, fmt::format("key name {} is not a plain file name; expected a name "
                                  "without '/', '..' or NUL, or \"*\" for the key directory",
                                  in_quotes(name.str())));
        }
        std::string path;
        if (reader.read(name.str(), path, Presence::required))
            keys.emplace(name.str(), std::move(path));
    }
    return keys;
}

// `params` is JSON text (with placeholders, so not always valid JSON) or, more readably, a TOML
// array or table, which becomes compact JSON text.
void read_params(TableReader& reader, std::string& params) {
    constexpr std::string_view kParams = "JSON text, an array or a table";
    const auto value = reader.value("params", Presence::optional, kParams);
    if (!value) return;
    const auto& node = value->node();
    if (node.is_array() || node.is_table()) {
        params = boost::json::serialize(to_json(node));
    } else if (const auto* text = node.as_string()) {
        params = text->get();
    } else {
        value->wrong_type(kParams);
    }
}

bool is_blank(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

// A value the file gives but leaves empty makes the method unfinished, not the file invalid.
// False when `value` is blank.
bool check_filled_in(TableReader& reader, std::string_view key, const std::string& value,
                     MissingPart part, Method& method) {
    if (!is_blank(value)) return true;
    method.missing.push_back(part);
    reader.warning(key, fmt::format("method {} is not finished: {}; calling it fails until it is "
                                    "filled in",
                                    in_quotes(method.name), describe(part)));
    return false;
}

void read_transport_fields(TableReader& reader, Method& method) {
    switch (method.transport) {
        case Transport::jrpc:
            if (reader.read("method", method.method, Presence::required))
                check_filled_in(reader, "method", method.method, MissingPart::jrpc_method, method);
            read_params(reader, method.params);
            break;
        case Transport::rest:
            if (reader.read("method", method.method, Presence::required))
                check_filled_in(reader, "method", method.method, MissingPart::rest_path, method);
            break;
        case Transport::sh:
            if (reader.read("body", method.body, Presence::required) &&
                check_filled_in(reader, "body", method.body, MissingPart::sh_body, method)) {
                if (const auto name = placeholder_inside_quotes(method.body)) {
                    reader.problem("body", fmt::format("placeholder {{{{{}}}}} is inside quotes (or a quoted "
                                                       "here-document); write it bare, outside them: its value is "
                                                       "quoted for you",
                                                       *name));
                }
            }
            break;
    }
}

void read_response(TableReader& reader, Method& method) {
    if (reader.read("field", method.response_field, Presence::optional))
        check_filled_in(reader, "field", method.response_field, MissingPart::response_field,
                        method);
    if (const auto format = reader.read_choice("format", kResponseFormats, Presence::optional)) {
        method.response_format = *format;
    }
    // Babel judges success by the transport (JSON-RPC error, HTTP status, exit code).
    reader.ignore("code");
    reader.ignore("status");
    reader.log_unknown_keys();
}

Method read_method(TableReader& reader, bool has_api_host) {
    Method method;
    reader.read_non_empty("name", method.name);
    if (const auto transport = reader.read_choice("transport", kTransports, Presence::required)) {
        method.transport = *transport;
        read_transport_fields(reader, method);
        if (method.transport != Transport::sh && !has_api_host) {
            reader.problem(
                "transport",
                fmt::format("method {} uses transport {}, which needs config.api_host; add "
                            "api_host = \"http://127.0.0.1:PORT/\" to [config]",
                            in_quotes(method.name), name_of(kTransports, method.transport)));
        }
    }
    if (auto response = reader.table("response", Presence::optional))
        read_response(*response, method);
    reader.log_unknown_keys();
    return method;
}

std::vector<Method> read_methods(TableReader& root, bool has_api_host) {
    std::vector<Method> methods;
    std::map<std::string, std::uint32_t> first_line_of_name;
    for (auto& reader :
         root.tables("methods", Presence::optional, "an array of tables [[methods]]")) {
        auto method = read_method(reader, has_api_host);
        const auto line = reader.entries().source().begin.line;
        const auto [first, inserted] = first_line_of_name.emplace(method.name, line);
        if (!method.name.empty() && !inserted) {
            reader.problem(
                "name",
                fmt::format("duplicate method name {} (first defined at line {}); method names "
                            "must be unique",
                            in_quotes(method.name), first->second));
        }
        methods.push_back(std::move(method));
    }
    return methods;
}

// data_directory_mount_point is in [config], or in [supervisor] as in the original system's
// later files; once.
void place_mount_point(TableReader& config_table, TableReader* supervisor_table,
                       std::string mount_point_in_supervisor, ChainConfig& config) {
    const bool in_config = config_table.has(kMountPoint);
    const bool in_supervisor = supervisor_table && supervisor_table->has(kMountPoint);
    if (in_config && in_supervisor) {
        supervisor_table->problem(kMountPoint,
                                  "give it either in [config] or in [supervisor], not both");
    } else if (!in_config && !in_supervisor) {
        config_table.problem(kMountPoint,
                             "missing; expected a string (in [config], or in [supervisor])");
    } else if (in_supervisor) {
        config.data_directory_mount_point = std::move(mount_point_in_supervisor);
    }
}

BabelConfig read_babel_config(const toml::table& document, Problems& problems) {
    TableReader root(document, "", problems);
    BabelConfig config;
    auto config_table = root.table("config", Presence::required);
    if (config_table) config.config = read_chain_config(*config_table);
    if (auto table = root.table("requirements", Presence::optional))
        config.requirements = read_requirements(*table);
    if (auto table = root.table("env", Presence::optional))
        config.path_append = read_path_append(*table);
    auto supervisor_table = root.table("supervisor", Presence::required);
    std::string mount_point_in_supervisor;
    if (supervisor_table)
        config.supervisor = read_supervisor(*supervisor_table, mount_point_in_supervisor);
    if (config_table) {
        place_mount_point(*config_table, supervisor_table ? &*supervisor_table : nullptr,
                          std::move(mount_point_in_supervisor), config.config);
    }
    if (auto table = root.table("keys", Presence::optional)) config.keys = read_keys(*table);
    const bool has_api_host = static_cast<bool>(document.at_path("config.api_host"));
    config.methods = read_methods(root, has_api_host);
    root.log_unknown_keys();
    return config;
}

std::optional<toml::table> parse_toml(std::string_view text, Problems& problems) {
    try {
        return toml::parse(text, std::string_view(problems.file()));
    } catch (const toml::parse_error& error) {
        problems.add(error.source(), "", std::string(error.description()));
        return std::nullopt;
    }
}

Version parse_version_or_throw(std::string_view text) {
    const auto version = parse_version(text);
    if (!version)
        throw std::invalid_argument(
            fmt::format("{} is not a version; expected x.y.z", in_quotes(text)));
    return *version;
}

std::string join_lines(const std::vector<ConfigProblem>& problems) {
    std::string text;
    for (const auto& problem : problems) {
        if (!text.empty()) text += '\n';
        text += problem.to_string();
    }
    return text;
}

}  // namespace

std::string_view describe(MissingPart part) {
    switch (part) {
        case MissingPart::jrpc_method:
            return "its jrpc method name is empty";
        case MissingPart::rest_path:
            return "its rest path is empty";
        case MissingPart::sh_body:
            return "its sh body is empty";
        case MissingPart::response_field:
            return "its response field is empty";
    }
    return "a part of it is empty";
}

std::string Method::what_is_missing() const {
    std::string text;
    for (const auto part : missing) {
        if (!text.empty()) text += " and ";
        text += describe(part);
    }
    return text;
}

const Method* BabelConfig::find_method(std::string_view name) const {
    const auto found = std::find_if(methods.begin(), methods.end(),
                                    [&](const Method& method) { return method.name == name; });
    return found == methods.end() ? nullptr : &*found;
}

std::vector<std::string> BabelConfig::method_names() const {
    std::vector<std::string> names;
    for (const auto& method : methods) names.push_back(method.name);
    std::sort(names.begin(), names.end());
    return names;
}

std::string ConfigProblem::to_string() const {
    std::string location = file;
    if (line != 0) location += fmt::format(":{}", line);
    if (line != 0 && column != 0) location += fmt::format(":{}", column);
    std::string text;
    for (const auto& part : {location, key, message}) {
        if (part.empty()) continue;
        if (!text.empty()) text += ": ";
        text += part;
    }
    return text;
}

std::string ConfigProblem::to_warning_string() const {
    auto warning = *this;
    warning.message = "warning: " + message;
    return warning.to_string();
}

ConfigError::ConfigError(std::vector<ConfigProblem> problems)
    : std::runtime_error(join_lines(problems)), problems_(std::move(problems)) {}

BabelConfig parse_babel_config(std::string_view toml, const std::string& file) {
    // TOML forbids NUL; toml++ reports one as an error, but its debug build asserts on it
    // first (found by the fuzzer): refused here, before it sees the text.
    if (const auto nul = toml.find('\0'); nul != std::string_view::npos) {
        const auto before = toml.substr(0, nul);
        const auto line = static_cast<std::uint32_t>(std::count(before.begin(), before.end(), '\n') + 1);
        const auto line_start = before.rfind('\n');
        const auto column = static_cast<std::uint32_t>(nul - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1);
        throw ConfigError({{file, line, column, "", "a NUL byte: a babel.toml is UTF-8 text without control characters"}});
    }
    Problems problems(file);
    const auto document = parse_toml(toml, problems);
    problems.throw_if_any();
    auto config = read_babel_config(*document, problems);
    problems.throw_if_any();
    config.warnings = problems.take_warnings();
    return config;
}

BabelConfig load_babel_config(const std::filesystem::path& file) {
    std::string text;
    try {
        text = read_file(file);
    } catch (const std::system_error& error) {
        throw ConfigError(
            {{file.string(), 0, 0, "", "cannot read the file: " + error.code().message()}});
    }
    return parse_babel_config(text, file.string());
}

bool is_plain_file_name(std::string_view name) {
    // No ".." anywhere, as docs/babel.md says (a name like "a..b" is refused too).
    return !name.empty() && name != "." && name.find('/') == std::string_view::npos &&
           name.find("..") == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

bool version_at_least(std::string_view version, std::string_view minimum) {
    return parse_version_or_throw(version) >= parse_version_or_throw(minimum);
}

}  // namespace bv::babel
