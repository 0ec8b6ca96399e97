#include "cli/terminal.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>

namespace bv::cli {

OutputStyle output_style(const TerminalFacts& facts) {
    OutputStyle style;
    const bool no_color = facts.no_color != nullptr && facts.no_color[0] != '\0';
    const bool dumb = facts.term != nullptr && std::strcmp(facts.term, "dumb") == 0;
    style.colour = facts.stdout_is_terminal && !no_color && !dumb;
    style.live_progress = facts.stderr_is_terminal && !dumb;
    style.progress_bars = facts.stdout_is_terminal && !dumb;
    std::size_t columns = 0;
    if (facts.columns != nullptr) {
        const auto* end = facts.columns + std::strlen(facts.columns);
        const auto [parsed_to, ec] = std::from_chars(facts.columns, end, columns);
        if (ec != std::errc() || parsed_to != end) columns = 0;
    }
    if (columns > 0) {
        style.width = columns;
    } else if (facts.stdout_is_terminal) {
        style.width = facts.terminal_columns;
    }
    return style;
}

const OutputStyle& current_output_style() {
    static const OutputStyle style = [] {
        TerminalFacts facts;
        facts.stdout_is_terminal = ::isatty(STDOUT_FILENO) != 0;
        facts.stderr_is_terminal = ::isatty(STDERR_FILENO) != 0;
        facts.no_color = std::getenv("NO_COLOR");
        facts.term = std::getenv("TERM");
        facts.columns = std::getenv("COLUMNS");
        winsize size{};
        if (facts.stdout_is_terminal && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0) facts.terminal_columns = size.ws_col;
        return output_style(facts);
    }();
    return style;
}

std::string coloured_status(std::string_view word, bool colour) {
    if (!colour) return std::string(word);
    const char* code = nullptr;
    if (word == "running") {
        code = "32";
    } else if (word == "failed") {
        code = "31";
    } else if (word == "creating" || word == "starting" || word == "stopping" || word == "upgrading" ||
               word == "deleting") {
        code = "33";
    }
    return code == nullptr ? std::string(word) : fmt::format("\033[{}m{}\033[0m", code, word);
}

std::string progress_bar(std::uint64_t done, std::uint64_t total, std::size_t width) {
    const auto percent = total == 0 ? 0 : std::min<std::uint64_t>(done * 100 / total, 100);
    const auto bar = width > 7 ? width - 7 : 1;  // "[" "] " and "100%"
    const auto filled = static_cast<std::size_t>(bar * percent / 100);
    return fmt::format("[{}{}] {:>3}%", std::string(filled, '#'), std::string(bar - filled, '.'), percent);
}

}  // namespace bv::cli
