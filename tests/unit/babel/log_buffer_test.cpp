#include "babel/log_buffer.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace bv::babel {
namespace {

const std::string kEllipsis = "\xE2\x80\xA6";

std::vector<std::uint64_t> sequences(const std::vector<LogLine>& lines) {
    std::vector<std::uint64_t> numbers;
    for (const auto& line : lines) numbers.push_back(line.sequence);
    return numbers;
}

std::vector<std::string> texts(const std::vector<LogLine>& lines) {
    std::vector<std::string> result;
    for (const auto& line : lines) result.push_back(line.text);
    return result;
}

LogBuffer buffer_with_lines(std::size_t capacity, int count) {
    LogBuffer buffer(capacity);
    for (int i = 1; i <= count; ++i) buffer.append("node", "line " + std::to_string(i));
    return buffer;
}

// Bytes of the character a lead byte starts, 0 for a byte that cannot start one.
std::size_t character_length(unsigned char lead) {
    if (lead < 0x80) return 1;
    if ((lead & 0xE0) == 0xC0) return 2;
    if ((lead & 0xF0) == 0xE0) return 3;
    if ((lead & 0xF8) == 0xF0) return 4;
    return 0;
}

// Strict UTF-8 check (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view text) {
    static constexpr unsigned char kLeadBits[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    static constexpr std::uint32_t kSmallestOfLength[] = {0, 0, 0x80, 0x800, 0x10000};
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        const std::size_t length = character_length(lead);
        if (length == 0 || i + length > text.size()) return false;
        std::uint32_t code_point = lead & kLeadBits[length];
        for (std::size_t k = 1; k < length; ++k) {
            const auto continuation = static_cast<unsigned char>(text[i + k]);
            if ((continuation & 0xC0) != 0x80) return false;
            code_point = (code_point << 6) | (continuation & 0x3F);
        }
        if (code_point < kSmallestOfLength[length] || code_point > 0x10FFFF) return false;
        if (code_point >= 0xD800 && code_point <= 0xDFFF) return false;
        i += length;
    }
    return true;
}

// ---- LogBuffer ----------------------------------------------------------------------------------

TEST(LogBuffer, WrapsAroundKeepingNewestLinesWithContinuingSequenceNumbers) {
    auto buffer = buffer_with_lines(3, 5);
    EXPECT_EQ(buffer.size(), 3u);
    EXPECT_EQ(buffer.last_sequence(), 5u);
    const auto lines = buffer.lines_after(0);
    EXPECT_EQ(sequences(lines), (std::vector<std::uint64_t>{3, 4, 5}));
    EXPECT_EQ(texts(lines), (std::vector<std::string>{"line 3", "line 4", "line 5"}));

    buffer.append("node", "line 6");
    EXPECT_EQ(sequences(buffer.lines_after(0)), (std::vector<std::uint64_t>{4, 5, 6}));
}

TEST(LogBuffer, SequenceNumbersStartAtOneAndKeepTheSource) {
    LogBuffer buffer(10);
    EXPECT_EQ(buffer.last_sequence(), 0u);
    buffer.append("geth", "hello");
    const auto lines = buffer.lines_after(0);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].sequence, 1u);
    EXPECT_EQ(lines[0].source, "geth");
    EXPECT_EQ(lines[0].text, "hello");
}

TEST(LogBuffer, LinesAfterADroppedSequenceStartFromTheOldestKept) {
    auto buffer = buffer_with_lines(3, 5);
    EXPECT_EQ(sequences(buffer.lines_after(1)), (std::vector<std::uint64_t>{3, 4, 5}));
    EXPECT_EQ(sequences(buffer.lines_after(2)), (std::vector<std::uint64_t>{3, 4, 5}));
}

TEST(LogBuffer, LinesAfterReturnsOnlyNewerLinesUpToTheLimit) {
    auto buffer = buffer_with_lines(10, 6);
    EXPECT_EQ(sequences(buffer.lines_after(3)), (std::vector<std::uint64_t>{4, 5, 6}));
    EXPECT_EQ(sequences(buffer.lines_after(3, 2)), (std::vector<std::uint64_t>{4, 5}));
    EXPECT_TRUE(buffer.lines_after(6).empty());
    EXPECT_TRUE(buffer.lines_after(UINT64_MAX).empty());
    EXPECT_TRUE(buffer.lines_after(0, 0).empty());
}

TEST(LogBuffer, EmptyBufferHasNoLines) {
    LogBuffer buffer(3);
    EXPECT_TRUE(buffer.lines_after(0).empty());
    EXPECT_TRUE(buffer.last_lines(5).empty());
}

TEST(LogBuffer, TwoReadersSeeTheSameLinesBecauseReadingDoesNotConsume) {
    auto buffer = buffer_with_lines(5, 4);
    const auto first_reader = buffer.lines_after(0);
    const auto second_reader = buffer.lines_after(0);
    EXPECT_EQ(texts(first_reader), texts(second_reader));
    EXPECT_EQ(sequences(first_reader), (std::vector<std::uint64_t>{1, 2, 3, 4}));
    EXPECT_EQ(buffer.size(), 4u);

    buffer.append("node", "line 5");
    EXPECT_EQ(sequences(buffer.lines_after(first_reader.back().sequence)),
              (std::vector<std::uint64_t>{5}));
    EXPECT_EQ(sequences(buffer.lines_after(second_reader.back().sequence)),
              (std::vector<std::uint64_t>{5}));
}

TEST(LogBuffer, LastLinesAreTheNewestOldestFirst) {
    auto buffer = buffer_with_lines(4, 6);
    EXPECT_EQ(sequences(buffer.last_lines(2)), (std::vector<std::uint64_t>{5, 6}));
    EXPECT_EQ(sequences(buffer.last_lines(100)), (std::vector<std::uint64_t>{3, 4, 5, 6}));
    EXPECT_TRUE(buffer.last_lines(0).empty());
}

TEST(LogBuffer, ShrinkingCapacityKeepsTheNewestLines) {
    auto buffer = buffer_with_lines(5, 5);
    buffer.set_capacity(2);
    EXPECT_EQ(buffer.capacity(), 2u);
    EXPECT_EQ(sequences(buffer.lines_after(0)), (std::vector<std::uint64_t>{4, 5}));
    buffer.append("node", "line 6");
    EXPECT_EQ(sequences(buffer.lines_after(0)), (std::vector<std::uint64_t>{5, 6}));
}

TEST(LogBuffer, GrowingCapacityKeepsEverythingAndMakesRoom) {
    auto buffer = buffer_with_lines(2, 3);
    buffer.set_capacity(4);
    buffer.append("node", "line 4");
    buffer.append("node", "line 5");
    EXPECT_EQ(sequences(buffer.lines_after(0)), (std::vector<std::uint64_t>{2, 3, 4, 5}));
}

TEST(LogBuffer, ZeroCapacityIsRejected) {
    EXPECT_THROW(LogBuffer(0), std::invalid_argument);
    LogBuffer buffer(1);
    EXPECT_THROW(buffer.set_capacity(0), std::invalid_argument);
}

TEST(LogBuffer, OnAppendIsCalledAfterEachLineIsStored) {
    LogBuffer buffer(2);
    std::vector<std::uint64_t> seen;
    buffer.on_append = [&] { seen.push_back(buffer.last_sequence()); };
    buffer.append("node", "a");
    buffer.append("node", "b");
    buffer.append("node", "c");
    EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 2, 3}));
}

TEST(LogBuffer, LongLinesAreCutWithAnEllipsis) {
    LogBuffer buffer(2, 10);
    buffer.append("node", std::string(50, 'x'));
    buffer.append("node", "short");
    const auto lines = buffer.lines_after(0);
    EXPECT_EQ(lines[0].text, std::string(7, 'x') + kEllipsis);
    EXPECT_EQ(lines[1].text, "short");
}

// ---- truncate_utf8 ------------------------------------------------------------------------------

TEST(TruncateUtf8, TextWithinTheLimitIsUnchanged) {
    EXPECT_EQ(truncate_utf8("hello", 5), "hello");
    EXPECT_EQ(truncate_utf8("hello", 100), "hello");
    EXPECT_EQ(truncate_utf8("", 0), "");
}

TEST(TruncateUtf8, CutTextEndsWithAnEllipsisWithinTheLimit) {
    EXPECT_EQ(truncate_utf8("hello world", 8), "hello" + kEllipsis);
    EXPECT_EQ(truncate_utf8("hello world", 3), kEllipsis);
}

TEST(TruncateUtf8, LimitsBelowTheEllipsisCutWithoutIt) {
    EXPECT_EQ(truncate_utf8("hello", 2), "he");
    EXPECT_EQ(truncate_utf8("hello", 0), "");
    EXPECT_EQ(truncate_utf8("\xC3\xA9\xC3\xA9", 1), "");  // "éé": half an é is no character
}

TEST(TruncateUtf8, NeverSplitsACharacterAtAnyLimit) {
    // 1, 2, 3 and 4 byte characters, twice.
    const std::vector<std::string> characters = {
        "a", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
        "b", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"};
    std::string text;
    std::vector<std::size_t> boundaries = {0};
    for (const auto& character : characters) {
        text += character;
        boundaries.push_back(text.size());
    }
    const auto longest_prefix_within = [&](std::size_t limit) {
        std::size_t best = 0;
        for (const auto boundary : boundaries) {
            if (boundary <= limit) best = boundary;
        }
        return text.substr(0, best);
    };

    for (std::size_t max_bytes = 0; max_bytes <= text.size() + 1; ++max_bytes) {
        SCOPED_TRACE("max_bytes " + std::to_string(max_bytes));
        const auto cut = truncate_utf8(text, max_bytes);
        EXPECT_LE(cut.size(), max_bytes);
        EXPECT_TRUE(is_valid_utf8(cut));
        if (max_bytes >= text.size()) {
            EXPECT_EQ(cut, text);
        } else if (max_bytes >= kEllipsis.size()) {
            EXPECT_EQ(cut, longest_prefix_within(max_bytes - kEllipsis.size()) + kEllipsis);
        } else {
            EXPECT_EQ(cut, longest_prefix_within(max_bytes));
        }
    }
}

TEST(TruncateUtf8, InvalidInputIsCutWithoutCrashing) {
    const std::vector<std::string> invalid_texts = {
        std::string(20, '\x80'),  // stray continuation bytes
        "abc\xE2\x82",            // a character cut short at the end
        "\xE2"
        "abcdefgh",                          // a lead byte followed by ASCII
        "\xFF\xFE\xF8\xC0\x80\xED\xA0\x80",  // bytes that never start a character, overlong,
                                             // surrogate
        std::string("a\0b\0c\0d\0e", 9),
    };
    for (const auto& text : invalid_texts) {
        for (std::size_t max_bytes = 0; max_bytes <= text.size(); ++max_bytes) {
            EXPECT_LE(truncate_utf8(text, max_bytes).size(), max_bytes);
        }
    }
    EXPECT_EQ(truncate_utf8(std::string(20, '\x80'), 5), std::string(2, '\x80') + kEllipsis);
}

// ---- LineSplitter -------------------------------------------------------------------------------

std::vector<std::string> feed_in_pieces(LineSplitter& splitter, std::string_view bytes,
                                        std::size_t piece_size) {
    std::vector<std::string> lines;
    for (std::size_t i = 0; i < bytes.size(); i += piece_size) {
        for (auto& line : splitter.feed(bytes.substr(i, piece_size)))
            lines.push_back(std::move(line));
    }
    return lines;
}

TEST(LineSplitter, ReturnsCompleteLinesWithoutNewlines) {
    LineSplitter splitter;
    EXPECT_EQ(splitter.feed("one\ntwo\n\nthree"), (std::vector<std::string>{"one", "two", ""}));
    EXPECT_EQ(splitter.feed(" continues\n"), (std::vector<std::string>{"three continues"}));
    EXPECT_EQ(splitter.finish(), "");
}

TEST(LineSplitter, ReassemblesLinesSplitAcrossFeedsAtEveryByte) {
    const std::string stream = "first\nsecond line\r\n\xE2\x82\xAC uro\n\nlast\n";
    const std::vector<std::string> expected = {"first", "second line", "\xE2\x82\xAC uro", "",
                                               "last"};
    for (std::size_t split = 0; split <= stream.size(); ++split) {
        SCOPED_TRACE("split at " + std::to_string(split));
        LineSplitter splitter;
        auto lines = splitter.feed(std::string_view(stream).substr(0, split));
        for (auto& line : splitter.feed(std::string_view(stream).substr(split)))
            lines.push_back(line);
        EXPECT_EQ(lines, expected);
        EXPECT_EQ(splitter.finish(), "");
    }
    LineSplitter byte_by_byte;
    EXPECT_EQ(feed_in_pieces(byte_by_byte, stream, 1), expected);
}

TEST(LineSplitter, StripsTheCarriageReturnOfCrlfOnly) {
    LineSplitter splitter;
    EXPECT_EQ(splitter.feed("dos\r\nunix\nmid\rdle\n\r\n"),
              (std::vector<std::string>{"dos", "unix", "mid\rdle", ""}));
}

TEST(LineSplitter, LineOfExactlyTheLimitWithCrlfIsNotCut) {
    LineSplitter splitter(8);
    EXPECT_EQ(feed_in_pieces(splitter, "12345678\r\n123456789\n", 1),
              (std::vector<std::string>{"12345678", "12345" + kEllipsis}));
}

TEST(LineSplitter, TooLongLineIsPassedOnOnceCutAndTheRestOfItDropped) {
    LineSplitter splitter(10);
    EXPECT_EQ(splitter.feed("short\n" + std::string(25, 'x') + "\nnext\n"),
              (std::vector<std::string>{"short", std::string(7, 'x') + kEllipsis, "next"}));
}

TEST(LineSplitter, MebibyteLineWithoutNewlineComesOutOnceCutAndIsNotKept) {
    LineSplitter splitter(4096);
    const std::string chunk(64 * 1024, 'y');
    std::vector<std::string> lines;
    for (int i = 0; i < 16; ++i) {
        for (auto& line : splitter.feed(chunk)) lines.push_back(std::move(line));
    }
    ASSERT_EQ(lines.size(), 1u) << "passed on as soon as it is known to be too long";
    EXPECT_EQ(lines[0], std::string(4093, 'y') + kEllipsis);
    // Nothing of the dropped mebibyte was kept: the stream ending now has nothing pending.
    EXPECT_EQ(splitter.finish(), "");
}

TEST(LineSplitter, LinesAfterADroppedRemainderComeThrough) {
    LineSplitter splitter(16);
    EXPECT_EQ(splitter.feed(std::string(100, 'z')).size(), 1u);
    EXPECT_TRUE(splitter.feed(std::string(100, 'z')).empty());
    EXPECT_EQ(splitter.feed("zz\nafter\n"), (std::vector<std::string>{"after"}));
}

TEST(LineSplitter, FinishReturnsThePendingPartialLineAndResets) {
    LineSplitter splitter(10);
    EXPECT_TRUE(splitter.feed("partial").empty());
    EXPECT_EQ(splitter.finish(), "partial");
    EXPECT_EQ(splitter.finish(), "");
    EXPECT_EQ(splitter.feed("fresh\n"), (std::vector<std::string>{"fresh"}));
}

TEST(LineSplitter, FinishCutsALongPartialLine) {
    LineSplitter splitter(10);
    EXPECT_TRUE(splitter.feed("0123456789a").empty());
    EXPECT_EQ(splitter.finish(), "0123456" + kEllipsis);
}

TEST(LineSplitter, CutNeverSplitsAMultiByteCharacter) {
    LineSplitter splitter(8);
    // "€€€€" is 12 bytes: only one "€" fits before the ellipsis.
    EXPECT_EQ(splitter.feed("\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\n"),
              (std::vector<std::string>{"\xE2\x82\xAC" + kEllipsis}));
}

}  // namespace
}  // namespace bv::babel
