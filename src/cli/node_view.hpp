#pragma once

#include <string>
#include <vector>

#include "blockvisor/v1/node.pb.h"
#include "cli/output.hpp"
#include "host/node_words.hpp"

namespace bv::cli {

// How bv shows nodes: plain functions from the API's messages to text, apart from the I/O.

// What `bv node status` prints: the status word, with the failure in parentheses when failed.
std::string node_status_line(const blockvisor::v1::NodeInfo& node);

// `bv node list`: the header and one row per node.
std::vector<std::string> node_table_header();
std::vector<std::string> node_table_row(const blockvisor::v1::NodeRow& node);

// `bv node info`.
Fields node_info_fields(const blockvisor::v1::NodeInfo& node);
// `bv node metrics`: one field per value, then one per error, each sorted by method name.
Fields node_metrics_fields(const blockvisor::v1::NodeMetrics& metrics);
// `bv node watch`: "TIME NAME EVENT MESSAGE".
std::string node_event_line(const blockvisor::v1::NodeEvent& event);

}  // namespace bv::cli
