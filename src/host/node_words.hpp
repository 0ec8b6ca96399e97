#pragma once

#include <string>

#include "blockvisor/v1/node.pb.h"

namespace bv {

// How nodes are named in words, the same in bvd's events and errors and in bv's output.

// "running", "stopped", "failed", ...: the enum name without NODE_STATUS_, lowercase;
// "unknown" for a value this build does not know (a newer peer).
std::string status_word(blockvisor::v1::NodeStatus status);
// An event as a word: its status for a status change ("running"), else its kind
// ("upgrading", "recovering", ...).
std::string event_word(const blockvisor::v1::NodeEvent& event);
// "protocol/node_type/version", as `bv image list` names images.
std::string image_name(const blockvisor::v1::NodeImage& image);

}  // namespace bv
