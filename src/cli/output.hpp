#pragma once

#include <google/protobuf/message.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/terminal.hpp"

namespace bv::cli {

std::string format_bytes(std::uint64_t bytes);         // "1.5 GiB"
std::string format_duration(std::uint64_t seconds);    // "3d 4h", "5m 2s"
// A time in milliseconds since the epoch, in UTC: "2024-05-01 12:34:56 UTC"; "-" for 0 (never).
// UTC rather than local time so that hosts and logs in different zones compare directly.
std::string format_timestamp_ms(std::int64_t milliseconds);

// "key  value" pairs, in the order they are printed.
using Fields = std::vector<std::pair<std::string, std::string>>;

// Columns padded to their widest cell, two spaces apart; fitted to `style.width` by cutting the
// widest columns but the first (cells end in an ellipsis then), the STATUS column in colour with `style.colour`.
// `cells` holds the rows one after the other, header.size() cells each: views of the strings
// they show, so that a long list (`bv node list`) is shown from its decoded answer uncopied.
std::string format_table_cells(const std::vector<std::string>& header, std::span<const std::string_view> cells,
                         const OutputStyle& style);
// The same, of rows of strings (a row with fewer cells than columns ends in empty ones).
std::string format_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                         const OutputStyle& style);
// The tables in this process' style (cli/terminal.hpp).
void print_table_cells(const std::vector<std::string>& header, std::span<const std::string_view> cells);
void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);
// "key   value" lines, keys padded.
void print_fields(const Fields& fields);
// The message as protobuf JSON with every field: what --json prints.
void print_json(const google::protobuf::Message& message);

// What a command prints of an answer: with --json the message, else `print_text(message)`.
template <class Message, class PrintText>
void print_message(bool json, const Message& message, PrintText&& print_text) {
    if (json) {
        print_json(message);
    } else {
        print_text(message);
    }
}

// The same for the reports of commands that change something ("started ltc"): with --quiet,
// nothing (errors still go to stderr).
template <class Message, class PrintText>
void print_report(bool json, bool quiet, const Message& message, PrintText&& print_text) {
    if (json) {
        print_json(message);
    } else if (!quiet) {
        print_text(message);
    }
}

}  // namespace bv::cli
