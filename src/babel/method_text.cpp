#include "babel/method_text.hpp"

#include <functional>

#include <boost/json.hpp>
#include <charconv>
#include <optional>
#include <vector>

#include "babel/log_buffer.hpp"

namespace bv::babel {
namespace {

constexpr std::size_t kExcerptBytes = 200;

// ---- placeholders -----------------------------------------------------------------------------

struct Placeholder {
    std::string_view name;
    std::size_t end = 0;  // just after its "}}"
};

bool is_name_character(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

std::size_t skip_spaces(std::string_view text, std::size_t position) {
    while (position < text.size() && text[position] == ' ') ++position;
    return position;
}

// The placeholder whose "{{" is at `open`, if the text there is one.
std::optional<Placeholder> placeholder_at(std::string_view text, std::size_t open) {
    const std::size_t name_begin = skip_spaces(text, open + 2);
    std::size_t name_end = name_begin;
    while (name_end < text.size() && is_name_character(text[name_end])) ++name_end;
    const std::size_t close = skip_spaces(text, name_end);
    if (name_end == name_begin || text.substr(close, 2) != "}}") return std::nullopt;
    return Placeholder{text.substr(name_begin, name_end - name_begin), close + 2};
}

std::string list_names(const std::map<std::string, std::string>& values) {
    if (values.empty()) return "no values given";
    std::string names;
    for (const auto& [name, value] : values) names += (names.empty() ? "" : ", ") + name;
    return "values given: " + names;
}

const std::string& value_of(const Placeholder& placeholder,
                            const std::map<std::string, std::string>& values) {
    const auto found = values.find(std::string(placeholder.name));
    if (found == values.end()) {
        throw MethodTextError("no value for placeholder {{" + std::string(placeholder.name) +
                              "}} (" + list_names(values) + ")");
    }
    return found->second;
}

// `text` with each placeholder replaced by what `substitute` makes of its value.
std::string substitute_placeholders(std::string_view text, const std::map<std::string, std::string>& values,
                                    const std::function<std::string(const std::string&)>& substitute) {
    std::string filled;
    std::size_t copied = 0;
    for (auto open = text.find("{{"); open != std::string_view::npos; open = text.find("{{", copied)) {
        filled.append(text.substr(copied, open - copied));
        const auto placeholder = placeholder_at(text, open);
        if (placeholder) {
            filled += substitute(value_of(*placeholder, values));
            copied = placeholder->end;
        } else {
            // Only the first brace is text for sure: "{{{NAME}}}" holds a placeholder after it.
            filled += '{';
            copied = open + 1;
        }
    }
    filled.append(text.substr(copied));
    return filled;
}

// ---- JSON responses ---------------------------------------------------------------------------

std::string excerpt(std::string_view text) {
    return "'" + truncate_utf8(text, kExcerptBytes) + "'";
}

// The start of `value` as compact JSON, without serialising all of a large response.
std::string json_excerpt(const boost::json::value& value) {
    boost::json::serializer serializer;
    serializer.reset(&value);
    char buffer[kExcerptBytes + 1];
    const auto start = serializer.read(buffer, sizeof buffer);
    return truncate_utf8(std::string_view(start.data(), start.size()), kExcerptBytes);
}

boost::json::value parse_json(std::string_view text, boost::system::error_code& error) {
    return boost::json::parse(boost::json::string_view(text.data(), text.size()), error);
}

std::optional<boost::json::value> try_parse_json(std::string_view text) {
    boost::system::error_code error;
    auto value = parse_json(text, error);
    if (error) return std::nullopt;
    return value;
}

boost::json::value parse_json_or_throw(std::string_view text) {
    boost::system::error_code error;
    auto value = parse_json(text, error);
    if (error) {
        throw MethodTextError("response is not JSON: " + excerpt(text) + " (" + error.message() +
                              ")");
    }
    return value;
}

std::optional<std::size_t> parse_index(std::string_view segment) {
    std::size_t index = 0;
    const auto [end, error] =
        std::from_chars(segment.data(), segment.data() + segment.size(), index);
    if (error != std::errc{} || end != segment.data() + segment.size()) return std::nullopt;
    return index;
}

// Where a field lookup stands: the whole path, and the part of it walked so far.
struct FieldLookup {
    std::string_view field;
    std::string_view walked;

    [[noreturn]] void fail(const std::string& reason, const boost::json::value& found) const {
        const std::string where = walked.empty() ? "the response" : "'" + std::string(walked) + "'";
        throw MethodTextError("field '" + std::string(field) + "' not found in response: " + where +
                              " " + reason + " (it is " + json_excerpt(found) + ")");
    }
};

const boost::json::value& member(const boost::json::object& object, std::string_view key,
                                 const FieldLookup& lookup, const boost::json::value& parent) {
    const auto* found = object.if_contains(boost::json::string_view(key.data(), key.size()));
    if (found == nullptr) lookup.fail("has no member '" + std::string(key) + "'", parent);
    return *found;
}

const boost::json::value& element(const boost::json::array& array, std::string_view segment,
                                  const FieldLookup& lookup, const boost::json::value& parent) {
    const auto index = parse_index(segment);
    if (!index) {
        lookup.fail("is an array, so '" + std::string(segment) + "' should be an index", parent);
    }
    if (*index >= array.size()) {
        lookup.fail(
            "has no element " + std::string(segment) + ", only " + std::to_string(array.size()),
            parent);
    }
    return array[*index];
}

const boost::json::value& child(const boost::json::value& parent, std::string_view segment,
                                const FieldLookup& lookup) {
    if (const auto* object = parent.if_object()) return member(*object, segment, lookup, parent);
    if (const auto* array = parent.if_array()) return element(*array, segment, lookup, parent);
    lookup.fail("is not an object or an array", parent);
}

const boost::json::value& find_field(const boost::json::value& document, std::string_view field) {
    const boost::json::value* current = &document;
    std::size_t segment_begin = 0;
    while (true) {
        const auto dot = field.find('.', segment_begin);
        const auto segment = field.substr(segment_begin, dot - segment_begin);
        const FieldLookup lookup{field,
                                 field.substr(0, segment_begin == 0 ? 0 : segment_begin - 1)};
        current = &child(*current, segment, lookup);
        if (dot == std::string_view::npos) return *current;
        segment_begin = dot + 1;
    }
}

std::string_view without_trailing_whitespace(std::string_view text) {
    const auto last = text.find_last_not_of(" \t\r\n\v\f");
    return last == std::string_view::npos ? std::string_view() : text.substr(0, last + 1);
}

// Boost.JSON writes doubles as "9.5E-1"; as plain text people expect "0.95".
std::string shortest_decimal(double number) {
    char buffer[32];
    const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, number);
    return std::string(buffer, end);
}

std::string raw_text(const boost::json::value& value) {
    if (const auto* text = value.if_string()) return std::string(text->data(), text->size());
    if (const auto* number = value.if_double()) return shortest_decimal(*number);
    return boost::json::serialize(value);
}

std::string format_value(const boost::json::value& value, ResponseFormat format) {
    if (format == ResponseFormat::json) return boost::json::serialize(value);
    return std::string(without_trailing_whitespace(raw_text(value)));
}

}  // namespace

std::string json_escape(std::string_view value) {
    static constexpr char kHexDigits[] = "0123456789abcdef";
    std::string escaped;
    escaped.reserve(value.size());
    for (const char c : value) {
        switch (c) {
            case '"':
                escaped += "\\\"";
                break;
            case '\\':
                escaped += "\\\\";
                break;
            case '\n':
                escaped += "\\n";
                break;
            case '\t':
                escaped += "\\t";
                break;
            case '\r':
                escaped += "\\r";
                break;
            case '\b':
                escaped += "\\b";
                break;
            case '\f':
                escaped += "\\f";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    escaped += "\\u00";
                    escaped += kHexDigits[c >> 4];
                    escaped += kHexDigits[c & 0xF];
                } else {
                    escaped += c;
                }
        }
    }
    return escaped;
}

std::string fill_placeholders(std::string_view text, const std::map<std::string, std::string>& values) {
    return substitute_placeholders(text, values, json_escape);
}

ShellCommand shell_command(std::string_view body, const std::map<std::string, std::string>& values) {
    ShellCommand command;
    command.script = substitute_placeholders(body, values, [&](const std::string& value) {
        if (value.find('\0') != std::string::npos) {
            throw MethodTextError("a value holds a NUL byte, which no command can be given");
        }
        const auto variable = "BV_PARAM_" + std::to_string(command.environment.size() + 1);
        command.environment[variable] = value;
        return "\"$" + variable + "\"";
    });
    return command;
}

namespace {

// A here-document announced on the current line (`<<EOF`, `<<-'EOF'`), whose body starts on
// the next line.
struct HereDocument {
    std::string delimiter;
    bool quoted = false;      // <<'EOF', <<"EOF", <<\EOF: no expansion in the body
    bool strip_tabs = false;  // <<-
};

// Reads the here-document operator at `at` (just after "<<"); returns it and moves `at`
// past its delimiter word.
HereDocument read_here_document(std::string_view text, std::size_t& at) {
    HereDocument document;
    if (at < text.size() && text[at] == '-') {
        document.strip_tabs = true;
        ++at;
    }
    while (at < text.size() && (text[at] == ' ' || text[at] == '\t')) ++at;
    constexpr std::string_view kWordEnds = " \t\n;|&<>()";
    for (; at < text.size() && kWordEnds.find(text[at]) == std::string_view::npos; ++at) {
        if (text[at] == '\'' || text[at] == '"' || text[at] == '\\') {
            document.quoted = true;
        } else {
            document.delimiter += text[at];
        }
    }
    return document;
}

// The first placeholder in `line`, if any.
std::optional<std::string> placeholder_in(std::string_view line) {
    for (auto open = line.find("{{"); open != std::string_view::npos; open = line.find("{{", open + 1)) {
        if (const auto placeholder = placeholder_at(line, open)) return std::string(placeholder->name);
    }
    return std::nullopt;
}

// Skips the bodies of `documents`, starting at `at` (the start of a line); returns the
// first placeholder in the body of a quoted one.
std::optional<std::string> skip_here_documents(std::string_view text, std::size_t& at,
                                               const std::vector<HereDocument>& documents) {
    for (const auto& document : documents) {
        while (at < text.size()) {
            const auto end = std::min(text.find('\n', at), text.size());
            auto line = text.substr(at, end - at);
            at = end + 1;
            if (document.strip_tabs) line.remove_prefix(std::min(line.find_first_not_of('\t'), line.size()));
            if (line == document.delimiter) break;
            if (document.quoted) {
                if (auto name = placeholder_in(line)) return name;
            }
        }
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> placeholder_inside_quotes(std::string_view text) {
    char quote = 0;  // the quote we are inside, or 0
    int arithmetic = 0;  // depth of (( )): `<<` there is a shift
    std::vector<HereDocument> pending;  // announced on this line, bodies from the next one
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quote != '\'' && c == '\\') {
            ++i;  // an escaped character (not inside single quotes, where \ is literal)
            continue;
        }
        if (c == '{' && text.substr(i, 2) == "{{") {
            if (const auto placeholder = placeholder_at(text, i)) {
                if (quote != 0) return std::string(placeholder->name);
                i = placeholder->end - 1;
                continue;
            }
        }
        if (quote == 0) {
            const bool word_start = i == 0 || std::string_view(" \t\n;&|()").find(text[i - 1]) != std::string_view::npos;
            if (c == '#' && word_start) {
                // A comment: its quotes and operators mean nothing.
                i = std::min(text.find('\n', i), text.size()) - 1;
                continue;
            }
            if (text.substr(i, 2) == "((") {
                ++arithmetic;
                ++i;
                continue;
            }
            if (text.substr(i, 2) == "))" && arithmetic > 0) {
                --arithmetic;
                ++i;
                continue;
            }
            if (text.substr(i, 3) == "<<<") {
                i += 2;  // a here-string: one word, no body
                continue;
            }
            if (text.substr(i, 2) == "<<" && arithmetic == 0) {
                std::size_t at = i + 2;
                pending.push_back(read_here_document(text, at));
                i = at - 1;
                continue;
            }
            if (c == '\n' && !pending.empty()) {
                std::size_t at = i + 1;
                if (auto name = skip_here_documents(text, at, pending)) return name;
                pending.clear();
                i = at - 1;
                continue;
            }
        }
        if (quote == 0 && (c == '\'' || c == '"')) {
            quote = c;
        } else if (c == quote) {
            quote = 0;
        }
    }
    return std::nullopt;
}

std::string extract_and_format(std::string_view json_text, std::string_view field,
                               ResponseFormat format) {
    if (!field.empty()) {
        const auto document = parse_json_or_throw(json_text);
        return format_value(find_field(document, field), format);
    }
    if (format == ResponseFormat::json) return format_text(json_text, format);
    // Raw output of the whole response needs no JSON: a plain text body is passed on as text.
    const auto document = try_parse_json(json_text);
    return document ? format_value(*document, format) : format_text(json_text, format);
}

std::string format_text(std::string_view text, ResponseFormat format) {
    if (format == ResponseFormat::raw) return std::string(without_trailing_whitespace(text));
    return boost::json::serialize(parse_json_or_throw(text));
}

}  // namespace bv::babel
