#pragma once

// The babel config (babel.toml): everything chain-specific about a node image. The format is
// described in docs/babel.md; files of the original system load unchanged.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace bv::babel {

struct ChainConfig {
    std::string protocol;
    std::string node_type;
    std::string node_version;
    std::string babel_version;  // lowest babel version this config works with (semver)
    std::string description;
    std::string api_host;       // empty when not given; required by jrpc and rest methods
    std::vector<std::uint16_t> ports;
    std::string data_directory_mount_point;
};

struct Requirements {
    std::uint32_t vcpu_count = 0;
    std::uint64_t mem_size_mb = 0;
    std::uint64_t disk_size_gb = 0;
};

struct EntryPoint {
    std::string command;
    std::vector<std::string> args;
    std::map<std::string, std::string> env;
    std::string user;  // empty: run as babelsup's user
};

struct SupervisorConfig {
    std::uint64_t backoff_base_ms = 100;
    std::uint64_t backoff_timeout_ms = 60'000;
    std::uint64_t backoff_max_ms = 300'000;
    std::uint32_t log_buffer_capacity_ln = 1000;
    std::uint64_t stop_timeout_ms = 30'000;
    std::vector<EntryPoint> entry_points;  // at least one
};

enum class Transport { jrpc, rest, sh };
enum class ResponseFormat { raw, json };

// A part of a method that its file left empty. The original system's files do that for calls
// their authors had still to find (`method = "" # find`). Such a file loads: check-config warns,
// and calling the method is an error that names what is missing, while the others work.
enum class MissingPart {
    jrpc_method,     // jrpc `method = ""`
    rest_path,       // rest `method = ""` ("/" asks for api_host itself)
    sh_body,         // sh `body` with nothing but white space
    response_field,  // `[methods.response] field = ""`: the original answered "" (leaving field
                     // out gives the whole response)
};

// "its jrpc method name is empty"
std::string_view describe(MissingPart part);

struct Method {
    std::string name;
    Transport transport = Transport::sh;
    std::string method;  // jrpc: the JSON-RPC method; rest: the path relative to api_host
    std::string params;  // jrpc: JSON text with {{PLACEHOLDERS}}, empty when not given
    std::string body;    // sh: shell text with {{PLACEHOLDERS}}
    std::string response_field;  // dot path into the JSON response; not given: the whole response
    ResponseFormat response_format = ResponseFormat::raw;
    std::vector<MissingPart> missing;  // in file order; empty when the method can run

    bool finished() const { return missing.empty(); }
    // "its rest path is empty and its response field is empty"; empty when finished.
    std::string what_is_missing() const;
};

// One thing wrong with a config file (an error, or a warning about a valid file), located as
// precisely as the file allows.
struct ConfigProblem {
    std::string file;
    std::uint32_t line = 0;    // 0 when unknown
    std::uint32_t column = 0;  // 0 when unknown
    std::string
        key;  // dotted path, e.g. "supervisor.entry_point[0].command"; empty for syntax errors
    std::string message;  // what is wrong and what is expected

    // "file:line:column: key: message" (parts that are unknown are left out).
    std::string to_string() const;
    // "file:line:column: key: warning: message", for a warning.
    std::string to_warning_string() const;
};

struct BabelConfig {
    ChainConfig config;
    std::optional<Requirements> requirements;
    std::string path_append;  // [env] path_append
    SupervisorConfig supervisor;
    std::map<std::string, std::string> keys;  // key name ("*" for the directory) -> path
    std::vector<Method> methods;              // unique names, in file order
    // What the file leaves unfinished (one per missing part of a method, located at it). The
    // config is valid all the same.
    std::vector<ConfigProblem> warnings;

    const Method* find_method(std::string_view name) const;
    // Method names, sorted.
    std::vector<std::string> method_names() const;
};

// Thrown when a config is not valid; holds every problem found, not just the first.
class ConfigError : public std::runtime_error {
public:
    explicit ConfigError(std::vector<ConfigProblem> problems);
    const std::vector<ConfigProblem>& problems() const { return problems_; }

private:
    std::vector<ConfigProblem> problems_;
};

// Parses and validates TOML text. `file` names it in problems. Unknown tables and keys are
// ignored (the original system's files have some). Throws ConfigError.
BabelConfig parse_babel_config(std::string_view toml, const std::string& file = "babel.toml");
// Reads and parses a file. Throws ConfigError (an unreadable file is a problem too).
BabelConfig load_babel_config(const std::filesystem::path& file);

// A key name is a plain file name: not empty, not ".", no '/', no "..", no NUL. Key files are
// written as <directory>/<name>: a name must not be able to leave the directory.
bool is_plain_file_name(std::string_view name);

// Whether `version` (x.y.z) is at least `minimum` (x.y.z); a missing part counts as 0.
// Throws std::invalid_argument for text that is not a version.
bool version_at_least(std::string_view version, std::string_view minimum);

}  // namespace bv::babel
