#include "babel/log_buffer.hpp"

#include <algorithm>
#include <stdexcept>

namespace bv::babel {
namespace {

constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // "…", U+2026
// A line of exactly the limit may still carry its "\r" before the "\n", so the splitter keeps
// two bytes more than the limit before it can tell that a line is too long.
constexpr std::size_t kCarriageReturnMargin = 2;

bool is_continuation_byte(char byte) {
    return (static_cast<unsigned char>(byte) & 0xC0) == 0x80;
}

// How many bytes a character starting with `lead` announces; 1 for ASCII and for bytes that
// cannot start a character (stray continuation bytes, 0xF8..0xFF).
std::size_t announced_length(char lead) {
    const auto byte = static_cast<unsigned char>(lead);
    if ((byte & 0xE0) == 0xC0) return 2;
    if ((byte & 0xF0) == 0xE0) return 3;
    if ((byte & 0xF8) == 0xF0) return 4;
    return 1;
}

// The bytes of the character starting at `position`. An announced sequence that is not
// followed by enough continuation bytes is shorter, so every step moves forward.
std::size_t character_length(std::string_view text, std::size_t position) {
    const std::size_t announced = announced_length(text[position]);
    std::size_t length = 1;
    while (length < announced && position + length < text.size() &&
           is_continuation_byte(text[position + length])) {
        ++length;
    }
    return length;
}

// The longest prefix of whole characters that fits in `limit` bytes.
std::size_t character_boundary_within(std::string_view text, std::size_t limit) {
    std::size_t end = 0;
    while (end < text.size()) {
        const std::size_t next = end + character_length(text, end);
        if (next > limit) break;
        end = next;
    }
    return end;
}

// Removes the pending line and returns it without its "\r", cut to the limit.
std::string take_line(std::string& pending, std::size_t max_line_bytes) {
    std::string_view line = pending;
    if (line.ends_with('\r')) line.remove_suffix(1);
    std::string taken = truncate_utf8(line, max_line_bytes);
    pending.clear();
    return taken;
}

// Appends what fits of `piece`; true when the pending line is full, that is too long.
bool append_bounded(std::string& pending, std::string_view piece, std::size_t keep_limit) {
    pending.append(piece.substr(0, keep_limit - pending.size()));
    return pending.size() == keep_limit;
}

void keep_newest(std::deque<LogLine>& lines, std::size_t count) {
    while (lines.size() > count) lines.pop_front();
}

std::vector<LogLine> copy_lines(const std::deque<LogLine>& lines, std::size_t first,
                                std::size_t count) {
    const auto begin = lines.begin() + static_cast<std::ptrdiff_t>(first);
    return {begin, begin + static_cast<std::ptrdiff_t>(count)};
}

std::size_t checked_capacity(std::size_t capacity) {
    if (capacity == 0) throw std::invalid_argument("log buffer capacity must be at least 1 line");
    return capacity;
}

}  // namespace

std::string truncate_utf8(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return std::string(text);
    if (max_bytes < kEllipsis.size()) {
        return std::string(text.substr(0, character_boundary_within(text, max_bytes)));
    }
    std::string cut(text.substr(0, character_boundary_within(text, max_bytes - kEllipsis.size())));
    cut.append(kEllipsis);
    return cut;
}

LogBuffer::LogBuffer(std::size_t capacity, std::size_t max_line_bytes)
    : capacity_(checked_capacity(capacity)), max_line_bytes_(max_line_bytes) {}

void LogBuffer::append(std::string_view source, std::string_view text) {
    lines_.push_back(
        LogLine{next_sequence_++, std::string(source), truncate_utf8(text, max_line_bytes_)});
    keep_newest(lines_, capacity_);
    if (on_append) on_append();
}

std::vector<LogLine> LogBuffer::lines_after(std::uint64_t after, std::size_t limit) const {
    if (lines_.empty()) return {};
    // Sequence numbers of kept lines are consecutive, so the position follows from the first.
    const std::uint64_t oldest = lines_.front().sequence;
    const std::uint64_t skipped = after < oldest ? 0 : after - oldest + 1;
    if (skipped >= lines_.size()) return {};
    const auto first = static_cast<std::size_t>(skipped);
    return copy_lines(lines_, first, std::min(limit, lines_.size() - first));
}

std::vector<LogLine> LogBuffer::last_lines(std::size_t count) const {
    const std::size_t kept = std::min(count, lines_.size());
    return copy_lines(lines_, lines_.size() - kept, kept);
}

void LogBuffer::set_capacity(std::size_t capacity) {
    capacity_ = checked_capacity(capacity);
    keep_newest(lines_, capacity_);
}

std::vector<std::string> LineSplitter::feed(std::string_view bytes) {
    std::vector<std::string> lines;
    const std::size_t keep_limit = max_line_bytes_ + kCarriageReturnMargin;
    while (!bytes.empty()) {
        const auto newline = bytes.find('\n');
        if (!discarding_ && append_bounded(pending_, bytes.substr(0, newline), keep_limit)) {
            // Passed on now rather than at its newline, which may never come.
            lines.push_back(take_line(pending_, max_line_bytes_));
            discarding_ = true;
        }
        if (newline == std::string_view::npos) break;
        if (!discarding_) lines.push_back(take_line(pending_, max_line_bytes_));
        discarding_ = false;
        bytes.remove_prefix(newline + 1);
    }
    return lines;
}

std::string LineSplitter::finish() {
    discarding_ = false;
    return take_line(pending_, max_line_bytes_);
}

}  // namespace bv::babel
