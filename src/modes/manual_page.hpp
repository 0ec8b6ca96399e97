#pragma once

// Manual pages in roff (man(7) macros) from a command line's definition, with the sections no
// parser knows (files, environment, exit status) written beside it.

#include <string>
#include <string_view>
#include <vector>

#include "modes/command_spec.hpp"

namespace bv {

struct ManualEntry {
    std::string term;  // empty: a plain paragraph
    std::string text;
};

struct ManualSection {
    std::string title;  // "FILES"
    std::vector<ManualEntry> entries;
};

struct ManualPage {
    CommandSpec command;  // its subcommands become the COMMANDS section
    int section = 1;      // 1: user commands, 8: system administration
    std::vector<ManualSection> sections;  // after OPTIONS and COMMANDS
    std::vector<std::string> see_also;    // "bvd(8)"
};

// The page's roff source. `version` goes into the header ("blockvisor 0.1.0").
std::string render_manual_page(const ManualPage& page, std::string_view version);

// Text made safe for roff: backslashes escaped, a leading '.' or '\'' neutralised.
std::string roff_text(std::string_view text);

}  // namespace bv
