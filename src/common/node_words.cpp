#include "common/node_words.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace bv {

namespace v1 = blockvisor::v1;

std::string status_word(v1::NodeStatus status) {
    constexpr std::string_view prefix = "NODE_STATUS_";
    const auto& name = v1::NodeStatus_Name(status);
    if (!name.starts_with(prefix)) return "unknown";
    std::string word = name.substr(prefix.size());
    std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return std::tolower(c); });
    return word;
}

std::string image_name(const v1::NodeImage& image) {
    return image.protocol() + "/" + image.node_type() + "/" + image.version();
}

}  // namespace bv
