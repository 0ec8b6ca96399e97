#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace bv::cli {

// How bv prints, decided once from where its output goes.
struct OutputStyle {
    // ANSI colours: only when stdout is a terminal, TERM is not "dumb", and NO_COLOR is unset
    // or empty (https://no-color.org).
    bool colour = false;
    // Columns tables must fit in: $COLUMNS when set, else the terminal's width; 0 (no limit)
    // when stdout is no terminal, so that scripts get whole cells.
    std::size_t width = 0;
    // Live progress (redrawn lines) on stderr: only when stderr is a terminal.
    bool live_progress = false;
    // Bars instead of percentages in what bv prints: only when stdout is a terminal.
    bool progress_bars = false;
};

struct TerminalFacts {
    bool stdout_is_terminal = false;
    bool stderr_is_terminal = false;
    const char* no_color = nullptr;  // $NO_COLOR
    const char* term = nullptr;      // $TERM
    const char* columns = nullptr;   // $COLUMNS
    std::size_t terminal_columns = 0;  // of stdout's terminal; 0: unknown
};

OutputStyle output_style(const TerminalFacts& facts);
// This process' style (its environment and terminals), read at the first call.
const OutputStyle& current_output_style();

// A status word ("running", "failed", ...) in its colour when `colour`: green for running, red
// for failed, yellow for the passing states, plain for the others.
std::string coloured_status(std::string_view word, bool colour);

// "[########............]  40%": `width` columns in all.
std::string progress_bar(std::uint64_t done, std::uint64_t total, std::size_t width);

}  // namespace bv::cli
