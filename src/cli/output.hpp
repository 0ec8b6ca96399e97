#pragma once

#include <google/protobuf/message.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace bv::cli {

std::string format_bytes(std::uint64_t bytes);         // "1.5 GiB"
std::string format_duration(std::uint64_t seconds);    // "3d 4h", "5m 2s"

// Columns padded to their widest cell, two spaces apart.
void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);
// "key   value" lines, keys padded.
void print_fields(const std::vector<std::pair<std::string, std::string>>& fields);
// The message as protobuf JSON with every field: what --json prints.
void print_json(const google::protobuf::Message& message);

}  // namespace bv::cli
