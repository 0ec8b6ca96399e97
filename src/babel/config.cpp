#include "babel/config.hpp"

#include "babel/method_text.hpp"
#include "babel/toml_reader.hpp"

#include <fmt/core.h>
#include <toml++/toml.h>

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

ChainConfig read_chain_config(TableReader& reader) {
    ChainConfig config;
    reader.read_non_empty("protocol", config.protocol);
    reader.read_non_empty("node_type", config.node_type);
    reader.read_non_empty("node_version", config.node_version);
    if (reader.read("babel_version", config.babel_version, Presence::required) &&
        !parse_version(config.babel_version)) {
        reader.problem("babel_version", fmt::format("expected a version x.y.z, got {}",
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
    reader.read_non_empty("data_directory_mount_point", config.data_directory_mount_point);
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

SupervisorConfig read_supervisor(TableReader& reader) {
    SupervisorConfig supervisor;
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

void read_transport_fields(TableReader& reader, Method& method) {
    switch (method.transport) {
        case Transport::jrpc:
            reader.read_non_empty("method", method.method);
            read_params(reader, method.params);
            break;
        case Transport::rest:
            // The original system's files have `method = ""` for paths still to be found.
            reader.read("method", method.method, Presence::required);
            break;
        case Transport::sh:
            if (reader.read("body", method.body, Presence::required)) {
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
    reader.read("field", method.response_field, Presence::optional);
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

BabelConfig read_babel_config(const toml::table& document, Problems& problems) {
    TableReader root(document, "", problems);
    BabelConfig config;
    if (auto table = root.table("config", Presence::required))
        config.config = read_chain_config(*table);
    if (auto table = root.table("requirements", Presence::optional))
        config.requirements = read_requirements(*table);
    if (auto table = root.table("env", Presence::optional))
        config.path_append = read_path_append(*table);
    if (auto table = root.table("supervisor", Presence::required))
        config.supervisor = read_supervisor(*table);
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

ConfigError::ConfigError(std::vector<ConfigProblem> problems)
    : std::runtime_error(join_lines(problems)), problems_(std::move(problems)) {}

BabelConfig parse_babel_config(std::string_view toml, const std::string& file) {
    Problems problems(file);
    const auto document = parse_toml(toml, problems);
    problems.throw_if_any();
    auto config = read_babel_config(*document, problems);
    problems.throw_if_any();
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
    // No ".." anywhere, as BABEL_CONFIG.md says (a name like "a..b" is refused too).
    return !name.empty() && name != "." && name.find('/') == std::string_view::npos &&
           name.find("..") == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

bool version_at_least(std::string_view version, std::string_view minimum) {
    return parse_version_or_throw(version) >= parse_version_or_throw(minimum);
}

}  // namespace bv::babel
