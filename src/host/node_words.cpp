#include "host/node_words.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace bv {

namespace v1 = blockvisor::v1;

namespace {

// An enum value's name without its prefix, lowercase; "unknown" for a value this build does
// not know (a newer peer).
std::string enum_word(const std::string& name, std::string_view prefix) {
    if (!name.starts_with(prefix)) return "unknown";
    std::string word = name.substr(prefix.size());
    std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return std::tolower(c); });
    return word;
}

}  // namespace

std::string status_word(v1::NodeStatus status) { return enum_word(v1::NodeStatus_Name(status), "NODE_STATUS_"); }

std::string event_word(const v1::NodeEvent& event) {
    if (event.kind() == v1::NODE_EVENT_KIND_STATUS) return status_word(event.status());
    return enum_word(v1::NodeEventKind_Name(event.kind()), "NODE_EVENT_KIND_");
}

std::string image_name(const v1::NodeImage& image) {
    return image.protocol() + "/" + image.node_type() + "/" + image.version();
}

}  // namespace bv
