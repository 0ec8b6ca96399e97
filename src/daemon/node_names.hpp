#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace bv::daemon {

// A random UUID (version 4), e.g. "3f2a9c1e-....".
std::string new_node_id();
bool looks_like_node_id(std::string_view text);

// A name people can say, e.g. "calm-river-42", that `taken` says is free.
std::string generate_node_name(const std::function<bool(const std::string&)>& taken);
// Names: 1 to 63 of a-z, 0-9, '-', starting with a letter or digit (they become hostnames),
// and not shaped like a node id.
bool valid_node_name(std::string_view name);

}  // namespace bv::daemon
