#include "babel/config.hpp"

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

enum class Presence { required, optional };

using Version = std::array<std::uint64_t, 3>;

constexpr std::int64_t kLargestTomlInteger = std::numeric_limits<std::int64_t>::max();

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

std::string in_quotes(std::string_view text) {
    return boost::json::serialize(boost::json::value(text));
}

// How a key is written in a dotted path: bare when TOML allows it, quoted otherwise.
std::string key_segment(std::string_view key) {
    const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
    return bare ? std::string(key) : in_quotes(key);
}

// A value as it appears after "got" in a message: `"8080"`, `5`, `a table`.
std::string describe(const toml::node& node) {
    if (node.is_table()) return "a table";
    if (node.is_array()) return "an array";
    if (const auto* text = node.as_string()) return in_quotes(text->get());
    std::ostringstream literal;
    node.visit([&](const auto& value) { literal << value; });
    return literal.str();
}

template <class Choice, std::size_t N>
std::string name_of(const std::array<std::pair<std::string_view, Choice>, N>& choices,
                    Choice choice) {
    const auto found = std::find_if(choices.begin(), choices.end(),
                                    [&](const auto& entry) { return entry.second == choice; });
    return std::string(found->first);
}

template <class Choice, std::size_t N>
std::string one_of(const std::array<std::pair<std::string_view, Choice>, N>& choices) {
    std::string text = "one of ";
    for (const auto& [name, choice] : choices) {
        if (&name != &choices.front().first) text += ", ";
        text += name;
    }
    return text;
}

boost::json::value to_json(const toml::node& node) {
    return node.visit([](const auto& value) -> boost::json::value {
        using Value = std::remove_cvref_t<decltype(value)>;
        if constexpr (std::is_same_v<Value, toml::table>) {
            boost::json::object object;
            for (const auto& [key, member] : value) object.emplace(key.str(), to_json(member));
            return object;
        } else if constexpr (std::is_same_v<Value, toml::array>) {
            boost::json::array array;
            for (const auto& element : value) array.push_back(to_json(element));
            return array;
        } else if constexpr (toml::is_chronological<Value>) {
            std::ostringstream text;
            text << value;
            return boost::json::string(text.str());
        } else {
            return boost::json::value(value.get());
        }
    });
}

class Problems {
  public:
    explicit Problems(std::string file) : file_(std::move(file)) {}
    const std::string& file() const { return file_; }

    void add(const toml::source_region& where, std::string key, std::string message) {
        problems_.push_back(
            {file_, where.begin.line, where.begin.column, std::move(key), std::move(message)});
    }
    void throw_if_any() {
        if (!problems_.empty()) throw ConfigError(std::move(problems_));
    }

  private:
    std::string file_;
    std::vector<ConfigProblem> problems_;
};

struct IntegerRange {
    std::int64_t min = 0;
    std::int64_t max = kLargestTomlInteger;

    template <class Integer>
    static constexpr IntegerRange of() {
        return {0, static_cast<std::int64_t>(std::min<std::uint64_t>(
                       std::numeric_limits<Integer>::max(), kLargestTomlInteger))};
    }
    bool contains(std::int64_t value) const { return value >= min && value <= max; }
    std::string expected() const {
        if (min == 0 && max == kLargestTomlInteger) return "a non-negative integer";
        if (min == 0 && max == std::numeric_limits<std::uint32_t>::max())
            return "a non-negative 32-bit integer";
        return fmt::format("an integer from {} to {}", min, max);
    }
};

// One value of the file and its dotted path. Reading it into a field of the wrong type or
// range records a problem located at the value.
class ValueReader {
  public:
    ValueReader(const toml::node& node, std::string path, Problems& problems)
        : node_(node), path_(std::move(path)), problems_(problems) {}

    const toml::node& node() const { return node_; }
    const std::string& path() const { return path_; }

    void problem(std::string message) const {
        problems_.add(node_.source(), path_, std::move(message));
    }
    void wrong_type(std::string_view expected) const {
        problem(fmt::format("expected {}, got {}", expected, describe(node_)));
    }

    bool read(std::string& out) const {
        const auto* text = node_.as_string();
        if (!text) {
            wrong_type("a string");
            return false;
        }
        out = text->get();
        return true;
    }

    template <std::unsigned_integral Integer>
    bool read(Integer& out, IntegerRange range = IntegerRange::of<Integer>()) const {
        const auto* integer = node_.as_integer();
        if (!integer || !range.contains(integer->get())) {
            wrong_type(range.expected());
            return false;
        }
        out = static_cast<Integer>(integer->get());
        return true;
    }

    // Reads every element with `read_element(const ValueReader&, Element&)`; false if any failed.
    template <class Element, class ReadElement>
    bool read_array(std::vector<Element>& out, std::string_view expected,
                    ReadElement read_element) const {
        const auto* array = node_.as_array();
        if (!array) {
            wrong_type(expected);
            return false;
        }
        bool all_read = true;
        for (std::size_t index = 0; index < array->size(); ++index) {
            Element element{};
            if (read_element(
                    ValueReader(*array->get(index), fmt::format("{}[{}]", path_, index), problems_),
                    element)) {
                out.push_back(std::move(element));
            } else {
                all_read = false;
            }
        }
        return all_read;
    }

  private:
    const toml::node& node_;
    std::string path_;
    Problems& problems_;
};

// The keys of one table. A missing required key is a problem located at the table; keys that
// were never read are only logged, because the original system's files have some.
class TableReader {
  public:
    TableReader(const toml::table& table, std::string path, Problems& problems)
        : table_(table), path_(std::move(path)), problems_(problems) {}

    const toml::table& entries() const { return table_; }

    std::string path_of(std::string_view key) const {
        return path_.empty() ? key_segment(key) : path_ + "." + key_segment(key);
    }
    bool has(std::string_view key) const { return table_.contains(key); }

    // A problem with `key`, located at its value, or at this table when it is missing.
    void problem(std::string_view key, std::string message) const {
        const auto* node = table_.get(key);
        problems_.add(node ? node->source() : table_.source(), path_of(key), std::move(message));
    }
    void problem_with_name(const toml::key& key, std::string message) const {
        problems_.add(key.source(), path_of(key.str()), std::move(message));
    }

    std::optional<ValueReader> value(std::string_view key, Presence presence,
                                     std::string_view expected) {
        read_keys_.emplace(key);
        if (const auto* node = table_.get(key)) return ValueReader(*node, path_of(key), problems_);
        if (presence == Presence::required)
            problem(key, fmt::format("missing; expected {}", expected));
        return std::nullopt;
    }

    std::optional<TableReader> table(std::string_view key, Presence presence) {
        auto value = this->value(key, presence, "a table");
        if (!value) return std::nullopt;
        const auto* table = value->node().as_table();
        if (!table) {
            value->wrong_type("a table");
            return std::nullopt;
        }
        return TableReader(*table, value->path(), problems_);
    }

    // An array of tables ([[key]]), each read at "key[index]".
    std::vector<TableReader> tables(std::string_view key, Presence presence,
                                    std::string_view expected) {
        std::vector<TableReader> tables;
        auto value = this->value(key, presence, expected);
        if (!value) return tables;
        const auto* array = value->node().as_array();
        if (!array) {
            value->wrong_type(expected);
            return tables;
        }
        for (std::size_t index = 0; index < array->size(); ++index) {
            const auto& element = *array->get(index);
            auto path = fmt::format("{}[{}]", value->path(), index);
            if (const auto* table = element.as_table()) {
                tables.emplace_back(*table, std::move(path), problems_);
            } else {
                ValueReader(element, std::move(path), problems_).wrong_type("a table");
            }
        }
        return tables;
    }

    bool read(std::string_view key, std::string& out, Presence presence) {
        const auto value = this->value(key, presence, "a string");
        return value && value->read(out);
    }

    bool read_non_empty(std::string_view key, std::string& out) {
        if (!read(key, out, Presence::required)) return false;
        if (!out.empty()) return true;
        problem(key, "expected a non-empty string, got \"\"");
        return false;
    }

    template <std::unsigned_integral Integer>
    bool read(std::string_view key, Integer& out, Presence presence,
              IntegerRange range = IntegerRange::of<Integer>()) {
        const auto value = this->value(key, presence, range.expected());
        return value && value->read(out, range);
    }

    bool read(std::string_view key, std::vector<std::string>& out, Presence presence) {
        const auto value = this->value(key, presence, "an array of strings");
        return value && value->read_array(out, "an array of strings",
                                          [](const ValueReader& element, std::string& text) {
                                              return element.read(text);
                                          });
    }

    bool read(std::string_view key, std::map<std::string, std::string>& out, Presence presence) {
        auto table = this->table(key, presence);
        if (!table) return false;
        bool all_read = true;
        for (const auto& [name, node] : table->entries()) {
            std::string text;
            if (table->read(name.str(), text, Presence::required)) {
                out.emplace(name.str(), std::move(text));
            } else {
                all_read = false;
            }
        }
        return all_read;
    }

    template <class Choice, std::size_t N>
    std::optional<Choice> read_choice(
        std::string_view key, const std::array<std::pair<std::string_view, Choice>, N>& choices,
        Presence presence) {
        const auto expected = one_of(choices);
        const auto value = this->value(key, presence, expected);
        if (!value) return std::nullopt;
        if (const auto* text = value->node().as_string()) {
            for (const auto& [name, choice] : choices) {
                if (name == text->get()) return choice;
            }
        }
        value->wrong_type(expected);
        return std::nullopt;
    }

    // The key to read for a value the file may give under its name or under the original
    // system's alias.
    std::string_view either(std::string_view name, std::string_view alias) {
        if (!has(alias)) return name;
        if (!has(name)) return alias;
        read_keys_.emplace(alias);
        problem(alias, fmt::format("give either {} or {}, not both", name, alias));
        return name;
    }

    // Accepted for the original system's files, and without meaning here.
    void ignore(std::string_view key) { read_keys_.emplace(key); }

    void log_unknown_keys() const {
        for (const auto& [key, node] : table_) {
            if (read_keys_.contains(key.str())) continue;
            const auto& where = key.source().begin;
            log::debug("{}:{}:{}: ignoring unknown key {}", problems_.file(), where.line,
                       where.column, path_of(key.str()));
        }
    }

  private:
    const toml::table& table_;
    std::string path_;
    Problems& problems_;
    std::set<std::string, std::less<>> read_keys_;
};

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
            reader.read("body", method.body, Presence::required);
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
