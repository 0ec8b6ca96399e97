#pragma once

// Reading a TOML document into C++ values while collecting every problem, each with its
// place in the file and its dotted key, instead of stopping at the first. The babel config
// (config.cpp) is written with it.

#include <fmt/core.h>
#include "babel/toml.hpp"

#include <algorithm>
#include <array>
#include <boost/json/value.hpp>
#include <concepts>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "babel/config.hpp"

namespace bv::babel {

enum class Presence { required, optional };

constexpr std::int64_t kLargestTomlInteger = std::numeric_limits<std::int64_t>::max();

// `text` as a JSON string literal: "a \"quoted\" text".
std::string in_quotes(std::string_view text);
// How a key is written in a dotted path: bare when TOML allows it, quoted otherwise.
std::string key_segment(std::string_view key);
// A value as it appears after "got" in a message: `"8080"`, `5`, `a table`.
std::string describe(const toml::node& node);
// A TOML value as JSON (tables become objects, arrays arrays).
boost::json::value to_json(const toml::node& node);

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


class Problems {
  public:
    explicit Problems(std::string file) : file_(std::move(file)) {}
    const std::string& file() const { return file_; }

    void add(const toml::source_region& where, std::string key, std::string message) {
        problems_.push_back(
            {file_, where.begin.line, where.begin.column, std::move(key), std::move(message)});
    }
    // Something a valid file leaves unfinished.
    void warn(const toml::source_region& where, std::string key, std::string message) {
        warnings_.push_back(
            {file_, where.begin.line, where.begin.column, std::move(key), std::move(message)});
    }
    void throw_if_any() {
        if (!problems_.empty()) throw ConfigError(std::move(problems_));
    }
    std::vector<ConfigProblem> take_warnings() { return std::move(warnings_); }

  private:
    std::string file_;
    std::vector<ConfigProblem> problems_;
    std::vector<ConfigProblem> warnings_;
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
    // A warning about `key`, located at its value.
    void warning(std::string_view key, std::string message) const {
        const auto* node = table_.get(key);
        problems_.warn(node ? node->source() : table_.source(), path_of(key), std::move(message));
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

    void log_unknown_keys() const;

  private:
    const toml::table& table_;
    std::string path_;
    Problems& problems_;
    std::set<std::string, std::less<>> read_keys_;
};


}  // namespace bv::babel
