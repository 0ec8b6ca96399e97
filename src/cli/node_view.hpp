#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "blockvisor/v1/node.pb.h"
#include "cli/output.hpp"
#include "host/node_words.hpp"

namespace bv::cli {

// How bv shows nodes: plain functions from the API's messages to text, apart from the I/O.

// What `bv node status` prints: the status word, with the failure in parentheses when failed.
std::string node_status_line(const blockvisor::v1::NodeInfo& node);

// `bv node list`: the header, and the cells of one row per node (format_table's).
std::vector<std::string> node_table_header();
struct NodeTable {
    // Views of the rows' own strings, and of `words`.
    std::vector<std::string_view> cells;
    // What the rows do not hold as text (a status word, an uptime). A deque: its strings stay
    // where they are as it grows, and when it is moved.
    std::deque<std::string> words;
};
NodeTable node_table(const google::protobuf::RepeatedPtrField<blockvisor::v1::NodeRow>& rows);

// `bv node info`.
Fields node_info_fields(const blockvisor::v1::NodeInfo& node);
// `bv node metrics`: one field per value, then one per error, each sorted by method name.
Fields node_metrics_fields(const blockvisor::v1::NodeMetrics& metrics);
// `bv node watch`: "TIME NAME EVENT MESSAGE".
std::string node_event_line(const blockvisor::v1::NodeEvent& event);

}  // namespace bv::cli
