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

std::string format_table_cells(const std::vector<std::string>& header, std::span<const std::string_view> cells,
                         const OutputStyle& style) {
    const auto columns = header.size();
    if (columns == 0) return {};
    const auto row_count = cells.size() / columns;
    const auto cell = [&](std::size_t row, std::size_t column) { return cells[row * columns + column]; };
    std::vector<std::size_t> widths(columns);
    for (std::size_t column = 0; column < columns; ++column) widths[column] = header[column].size();
    for (std::size_t row = 0; row < row_count; ++row) {
        for (std::size_t column = 0; column < columns; ++column) {
            widths[column] = std::max(widths[column], cell(row, column).size());
        }
    }
    // Too wide for the terminal: the widest columns give up characters first, never below their
    // header (then the line is as narrow as it gets, and the terminal wraps it). The first column
    // (the id or name a row is known by, to paste into the next command) stays whole.
    if (style.width > 0) {
        auto total = 2 * (columns - 1);
        for (const auto width : widths) total += width;
        while (total > style.width) {
            std::size_t widest = columns;
            for (std::size_t column = 1; column < columns; ++column) {
                const auto least = std::max<std::size_t>(header[column].size(), 3);
                if (widths[column] > least && (widest == columns || widths[column] > widths[widest])) widest = column;
            }
            if (widest == columns) break;
            --widths[widest];
            --total;
        }
    }
    std::size_t status_column = columns;
    for (std::size_t column = 0; column < columns; ++column) {
        if (header[column] == "STATUS") status_column = column;
    }
    std::string out;
    // Room for every line (colours and ellipses add a few bytes more), so that the text is not
    // copied as it grows.
    std::size_t line_size = 2 * columns - 1;  // the gaps and the newline
    for (const auto width : widths) line_size += width;
    out.reserve(line_size * (row_count + 1));
    // Appended in place, cell by cell: at 1,000 rows the copies were a tenth of `bv node list`.
    const auto append_cell = [&](std::string_view text, std::size_t column, bool is_header) {
        const bool cut = text.size() > widths[column];
        // Cut, with an ellipsis (one column, three bytes) saying so.
        const auto shown = cut ? widths[column] : text.size();
        const auto visible = cut ? text.substr(0, widths[column] - 1) : text;
        if (column == status_column && !is_header && style.colour) {
            out += cut ? coloured_status(std::string(visible) + "\u2026", true) : coloured_status(text, true);
        } else {
            out += visible;
            if (cut) out += "\u2026";
        }
        out.append(column + 1 < columns ? widths[column] - shown + 2 : 0, ' ');
    };
    for (std::size_t column = 0; column < columns; ++column) append_cell(header[column], column, true);
    out += '\n';
    for (std::size_t row = 0; row < row_count; ++row) {
        for (std::size_t column = 0; column < columns; ++column) append_cell(cell(row, column), column, false);
        out += '\n';
    }
    return out;
}

std::string format_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                         const OutputStyle& style) {
    std::vector<std::string_view> cells;
    cells.reserve(rows.size() * header.size());
    for (const auto& row : rows) {
        for (std::size_t column = 0; column < header.size(); ++column) {
            cells.push_back(column < row.size() ? std::string_view(row[column]) : std::string_view());
        }
    }
    return format_table_cells(header, cells, style);
}

void print_table_cells(const std::vector<std::string>& header, std::span<const std::string_view> cells) {
    std::fputs(format_table_cells(header, cells, current_output_style()).c_str(), stdout);
}

void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
    std::fputs(format_table(header, rows, current_output_style()).c_str(), stdout);
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
