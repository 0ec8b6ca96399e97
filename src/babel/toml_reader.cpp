#include "babel/toml_reader.hpp"

#include <boost/json.hpp>
#include <cctype>
#include <sstream>
#include <type_traits>

#include "common/log.hpp"

namespace bv::babel {

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


void TableReader::log_unknown_keys() const {
    for (const auto& [key, node] : table_) {
        if (read_keys_.contains(key.str())) continue;
        const auto& where = key.source().begin;
        log::debug("{}:{}:{}: ignoring unknown key {}", problems_.file(), where.line, where.column,
                   path_of(key.str()));
    }
}

}  // namespace bv::babel
