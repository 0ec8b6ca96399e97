#include "modes/manual_page.hpp"

#include <fmt/format.h>

#include <cctype>
#include <utility>

namespace bv {
namespace {

std::string upper(std::string text) {
    for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
}

// An option name or other literal: minus signs as \- (a hyphen would break copy and paste).
std::string roff_literal(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (c == '-') {
            out += "\\-";
        } else if (c == '\\') {
            out += "\\e";
        } else {
            out += c;
        }
    }
    return out;
}

// The description without the program's "name: " in front, capitalised.
std::string own_description(const CommandSpec& command) {
    auto text = command.description;
    const auto prefix = command.name + ": ";
    if (text.starts_with(prefix)) text.erase(0, prefix.size());
    if (!text.empty()) text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
    return text;
}

// Paragraphs: one per line of the text.
void append_paragraphs(std::string& out, const std::string& text) {
    std::size_t start = 0;
    bool first = true;
    while (start <= text.size()) {
        const auto end = std::min(text.find('\n', start), text.size());
        const auto line = text.substr(start, end - start);
        if (!line.empty()) {
            if (!std::exchange(first, false)) out += ".PP\n";
            out += roff_text(line) + "\n";
        }
        start = end + 1;
    }
}

std::string synopsis_arguments(const CommandSpec& command) {
    std::string out;
    if (!command.options.empty()) out += " [\\fIOPTIONS\\fR]";
    if (!command.subcommands.empty()) out += command.requires_subcommand ? " \\fICOMMAND\\fR" : " [\\fICOMMAND\\fR]";
    for (const auto& positional : command.positionals) {
        const auto name = "\\fI" + roff_literal(positional.name) + "\\fR" + (positional.repeatable ? "..." : "");
        out += positional.required ? " " + name : " [" + name + "]";
    }
    return out;
}

void append_options(std::string& out, const std::vector<OptionSpec>& options) {
    for (const auto& option : options) {
        std::string names;
        for (const auto& name : option.names) names += (names.empty() ? "" : ", ") + ("\\fB" + roff_literal(name) + "\\fR");
        if (!option.value_name.empty()) names += " \\fI" + roff_literal(option.value_name) + "\\fR";
        if (option.repeatable) names += "...";
        out += ".TP\n" + names + "\n" + roff_text(option.help);
        if (!option.choices.empty()) {
            std::string choices;
            for (const auto& choice : option.choices) choices += (choices.empty() ? "" : ", ") + choice;
            out += roff_text(" (one of: " + choices + ")");
        }
        if (!option.default_value.empty()) out += roff_text(" (default: " + option.default_value + ")");
        if (!option.environment.empty()) out += roff_text(" (environment: " + option.environment + ")");
        if (option.required) out += " (required)";
        out += "\n";
    }
}

// Every subcommand under `path`, depth first: the ones that run something have no subcommands.
void append_commands(std::string& out, const CommandSpec& command, const std::string& path) {
    for (const auto& sub : command.subcommands) {
        const auto sub_path = path + " " + sub.name;
        if (sub.subcommands.empty()) {
            out += ".SS \"" + roff_literal(sub_path) + synopsis_arguments(sub) + "\"\n";
            append_paragraphs(out, sub.description);
            std::vector<OptionSpec> own;
            for (const auto& option : sub.options) {
                // Every command has these: the page says so once, under OPTIONS.
                if (option.names.back() != "--help" && option.names.back() != "--version") own.push_back(option);
            }
            for (const auto& positional : sub.positionals) {
                if (positional.help.empty()) continue;
                out += ".TP\n\\fI" + roff_literal(positional.name) + "\\fR\n" + roff_text(positional.help) + "\n";
            }
            append_options(out, own);
        }
        append_commands(out, sub, sub_path);
    }
}

}  // namespace

std::string roff_text(std::string_view text) {
    std::string out;
    bool line_start = true;
    for (const char c : text) {
        if (line_start && (c == '.' || c == '\'')) out += "\\&";
        line_start = c == '\n';
        if (c == '\\') {
            out += "\\e";
        } else {
            out += c;
        }
    }
    return out;
}

std::string render_manual_page(const ManualPage& page, std::string_view version) {
    const auto& command = page.command;
    std::string out = fmt::format(".TH {} {} \"\" \"{}\" \"BlockVisor\"\n", upper(roff_literal(command.name)), page.section,
                                  roff_text(std::string("blockvisor ") + std::string(version)));
    out += ".SH NAME\n" + roff_literal(command.name) + " \\- " + roff_text(summary_of(command.description)) + "\n";
    out += ".SH SYNOPSIS\n.B " + roff_literal(command.name) + "\n" + synopsis_arguments(command).substr(1) + "\n";
    out += ".SH DESCRIPTION\n";
    append_paragraphs(out, own_description(command));
    out += ".SH OPTIONS\n";
    append_options(out, command.options);
    if (!command.subcommands.empty()) {
        out += ".SH COMMANDS\n";
        append_commands(out, command, command.name);
    }
    for (const auto& section : page.sections) {
        out += ".SH " + upper(section.title) + "\n";
        bool first = true;
        for (const auto& entry : section.entries) {
            if (entry.term.empty()) {
                if (!std::exchange(first, false)) out += ".PP\n";
                out += roff_text(entry.text) + "\n";
            } else {
                out += ".TP\n\\fB" + roff_literal(entry.term) + "\\fR\n" + roff_text(entry.text) + "\n";
                first = false;
            }
        }
    }
    if (!page.see_also.empty()) {
        out += ".SH SEE ALSO\n";
        for (std::size_t i = 0; i < page.see_also.size(); ++i) {
            const auto& reference = page.see_also[i];
            const auto paren = reference.find('(');
            out += ".BR " + roff_literal(reference.substr(0, paren)) + " " + reference.substr(paren) +
                   (i + 1 < page.see_also.size() ? "," : "") + "\n";
        }
    }
    return out;
}

}  // namespace bv
