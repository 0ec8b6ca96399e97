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

// A switch, not NodeStatus_Name(): that builds protobuf's descriptor pool at its first call,
// a million instructions and a tenth of a short `bv node list`. A test keeps it in step.
std::string status_word(v1::NodeStatus status) {
    switch (status) {
        case v1::NODE_STATUS_UNSPECIFIED: return "unspecified";
        case v1::NODE_STATUS_CREATING: return "creating";
        case v1::NODE_STATUS_STOPPED: return "stopped";
        case v1::NODE_STATUS_STARTING: return "starting";
        case v1::NODE_STATUS_RUNNING: return "running";
        case v1::NODE_STATUS_STOPPING: return "stopping";
        case v1::NODE_STATUS_UPGRADING: return "upgrading";
        case v1::NODE_STATUS_DELETING: return "deleting";
        case v1::NODE_STATUS_DELETED: return "deleted";
        case v1::NODE_STATUS_FAILED: return "failed";
        default: return "unknown";
    }
}

std::string event_word(const v1::NodeEvent& event) {
    if (event.kind() == v1::NODE_EVENT_KIND_STATUS) return status_word(event.status());
    return enum_word(v1::NodeEventKind_Name(event.kind()), "NODE_EVENT_KIND_");
}

std::string image_name(const v1::NodeImage& image) {
    // One allocation: a list makes one per node.
    std::string name;
    name.reserve(image.protocol().size() + image.node_type().size() + image.version().size() + 2);
    name.append(image.protocol()).append(1, '/').append(image.node_type()).append(1, '/').append(image.version());
    return name;
}

}  // namespace bv
