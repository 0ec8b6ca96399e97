#pragma once

// Pure text work of babel methods: placeholders, shell quoting, picking a field out of a JSON
// response and formatting it. No I/O.

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "babel/config.hpp"

namespace bv::babel {

// The body of a JSON string for `value` (no surrounding quotes).
std::string json_escape(std::string_view value);

// Thrown for a placeholder with no value, a field path that is not in the response, a
// response that is not JSON when JSON is needed... `what()` says which and what was found.
class MethodTextError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Replaces every {{NAME}} (NAME: letters, digits, '_', '-', '.'; surrounding spaces inside the
// braces allowed) with the value from `values`, escaped for a JSON string. Throws
// MethodTextError naming the first placeholder without a value. Text that is not a
// placeholder is left as is.
std::string fill_placeholders(std::string_view text, const std::map<std::string, std::string>& values);

// An sh body ready to run. Its placeholders become references to environment variables
// that hold the values ("$BV_PARAM_1"): the shell expands a value but never reads it as
// shell text, wherever the placeholder stands (a word, a here-document, a comment), so a
// parameter can never inject a command.
struct ShellCommand {
    std::string script;
    std::map<std::string, std::string> environment;  // BV_PARAM_1 -> the first value, ...
};
ShellCommand shell_command(std::string_view body, const std::map<std::string, std::string>& values);

// The name of the first placeholder that stands inside single or double quotes of shell
// text, or in the body of a quoted here-document (<<'EOF'), if any. Such a placeholder is
// refused in sh bodies: it is filled in as a quoted variable reference, which inside quotes
// would close them, and which a quoted here-document would keep as it is, unexpanded.
std::optional<std::string> placeholder_inside_quotes(std::string_view shell_text);

// Picks `field` (a dot path: "result.height", "data.peers.0.id"; empty: everything) out of
// JSON text and formats it: raw gives a string's own text, other values as compact JSON, with
// trailing whitespace trimmed; json gives compact JSON. Throws MethodTextError.
std::string extract_and_format(std::string_view json_text, std::string_view field, ResponseFormat format);

// Formats non-JSON output (sh methods without a field): raw trims trailing whitespace; json
// parses and re-serialises compactly (throws MethodTextError when it is not JSON).
std::string format_text(std::string_view text, ResponseFormat format);

}  // namespace bv::babel
