#pragma once

// The bounded log of a node: lines captured from the entry points' stdout and stderr, the
// oldest dropped when full. Reading never consumes: every reader sees every line still kept.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace bv::babel {

struct LogLine {
    std::uint64_t sequence = 0;  // 1, 2, 3... in order of arrival, never reused
    std::string source;          // e.g. the entry point's command, or "babelsup"
    std::string text;            // without the newline; at most the buffer's line length limit
};

class LogBuffer {
public:
    // `capacity`: lines kept (at least 1). `max_line_bytes`: longer lines are cut at the last
    // complete UTF-8 character that fits, and end with "…" (so a cut line is visible).
    explicit LogBuffer(std::size_t capacity, std::size_t max_line_bytes = 4096);

    void append(std::string_view source, std::string_view text);
    // Lines with a sequence number greater than `after`, oldest first, at most `limit`.
    std::vector<LogLine> lines_after(std::uint64_t after, std::size_t limit = SIZE_MAX) const;
    // The last `count` lines, oldest first.
    std::vector<LogLine> last_lines(std::size_t count) const;
    std::uint64_t last_sequence() const { return next_sequence_ - 1; }
    std::size_t size() const { return lines_.size(); }
    std::size_t capacity() const { return capacity_; }
    // Keeps the newest lines when shrinking.
    void set_capacity(std::size_t capacity);

    // Called after every append (followers wake up here). Set by the owner; may be empty.
    std::function<void()> on_append;

private:
    std::size_t capacity_;
    std::size_t max_line_bytes_;
    std::deque<LogLine> lines_;
    std::uint64_t next_sequence_ = 1;
};

// Cuts `text` to at most `max_bytes` bytes without splitting a UTF-8 character; when it had
// to cut, the result ends with "…" (U+2026, 3 bytes) within the limit.
std::string truncate_utf8(std::string_view text, std::size_t max_bytes);

// Splits a byte stream (a pipe read in pieces of any size) into lines. A line longer than
// `max_line_bytes` is passed on cut (see truncate_utf8) and the rest of it, up to its
// newline, is dropped, so memory stays bounded whatever the process writes.
class LineSplitter {
public:
    explicit LineSplitter(std::size_t max_line_bytes = 4096) : max_line_bytes_(max_line_bytes) {}
    // Complete lines found in `bytes` (plus what was pending), without their "\n" (and "\r").
    std::vector<std::string> feed(std::string_view bytes);
    // What is pending without a newline, when the stream ends (empty if nothing).
    std::string finish();

private:
    std::size_t max_line_bytes_;
    std::string pending_;
    bool discarding_ = false;  // inside a too long line, dropping bytes until its newline
};

}  // namespace bv::babel
