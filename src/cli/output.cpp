#include "cli/output.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>

#include "rpc/message_codec.hpp"

namespace bv::cli {

std::string format_bytes(std::uint64_t bytes) {
    constexpr std::array<const char*, 6> units{"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    auto value = static_cast<double>(bytes);
    std::size_t unit = 0;
    while (value >= 1024 && unit + 1 < units.size()) {
        value /= 1024;
        ++unit;
    }
    return unit == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", value, units[unit]);
}

std::string format_duration(std::uint64_t seconds) {
    const auto days = seconds / 86400, hours = seconds / 3600 % 24, minutes = seconds / 60 % 60, rest = seconds % 60;
    if (days > 0) return fmt::format("{}d {}h", days, hours);
    if (hours > 0) return fmt::format("{}h {}m", hours, minutes);
    if (minutes > 0) return fmt::format("{}m {}s", minutes, rest);
    return fmt::format("{}s", rest);
}

std::string format_timestamp_ms(std::int64_t milliseconds) {
    if (milliseconds <= 0) return "-";
    const auto seconds = static_cast<std::time_t>(milliseconds / 1000);
    return fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", fmt::gmtime(seconds));
}

void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths(header.size());
    for (std::size_t column = 0; column < header.size(); ++column) widths[column] = header[column].size();
    for (const auto& row : rows) {
        for (std::size_t column = 0; column < row.size() && column < widths.size(); ++column) {
            widths[column] = std::max(widths[column], row[column].size());
        }
    }
    const auto print_row = [&](const std::vector<std::string>& cells) {
        std::string line;
        for (std::size_t column = 0; column < cells.size() && column < widths.size(); ++column) {
            const bool last = column + 1 == cells.size();
            line += last ? cells[column] : fmt::format("{:<{}}  ", cells[column], widths[column]);
        }
        std::puts(line.c_str());
    };
    print_row(header);
    for (const auto& row : rows) print_row(row);
}

void print_fields(const Fields& fields) {
    std::size_t width = 0;
    for (const auto& [key, value] : fields) width = std::max(width, key.size());
    for (const auto& [key, value] : fields) fmt::print("{:<{}}  {}\n", key, width, value);
}

void print_json(const google::protobuf::Message& message) {
    std::fputs(rpc::message_to_pretty_json(message).c_str(), stdout);
}

}  // namespace bv::cli
