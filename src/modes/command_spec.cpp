#include "modes/command_spec.hpp"

#include <CLI/CLI.hpp>

#include "modes/node_arguments.hpp"

namespace bv {
namespace {

// "TEXT:{host,bridge}" (IsMember), "TEXT:FILE" (ExistingFile), "ID_OR_NAME": what completes it.
void read_type_name(const std::string& type_name, std::string& value_name, ValueKind& kind,
                    std::vector<std::string>& choices) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        // The choices may hold colons of their own: a part in braces runs to its closing brace.
        const auto brace = type_name.find('{', start);
        auto colon = type_name.find(':', start);
        if (brace == start) colon = type_name.find(':', type_name.find('}', start));
        parts.push_back(type_name.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
        if (colon == std::string::npos) break;
        start = colon + 1;
    }
    value_name = parts.front();
    kind = ValueKind::text;
    // CLI11 names every string TEXT; its path checks say more.
    const bool plain = value_name == "TEXT";
    for (const auto& part : parts) {
        if (part == "ID_OR_NAME") kind = ValueKind::node;
        if (part == "IMAGE") kind = ValueKind::image;
        if (part == "FILE" || part == "DIR") {
            kind = part == "FILE" ? ValueKind::file : ValueKind::directory;
            if (plain) value_name = part;
        }
        if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
            kind = ValueKind::choice;
            choices.clear();
            std::size_t item = 1;
            while (item < part.size() - 1) {
                const auto comma = part.find(',', item);
                const auto end = comma == std::string::npos ? part.size() - 1 : comma;
                choices.push_back(part.substr(item, end - item));
                item = end + 1;
            }
        }
    }
}

OptionSpec option_spec(const CLI::Option& option) {
    OptionSpec spec;
    for (const auto& name : option.get_snames()) spec.names.push_back("-" + name);
    for (const auto& name : option.get_lnames()) spec.names.push_back("--" + name);
    spec.help = option.get_description();
    spec.required = option.get_required();
    spec.environment = option.get_envname();
    spec.default_value = option.get_default_str();
    if (option.get_expected_max() > 0) {  // flags expect no value
        read_type_name(option.get_type_name(), spec.value_name, spec.kind, spec.choices);
        spec.repeatable = option.get_items_expected_max() > 1;
    }
    return spec;
}

PositionalSpec positional_spec(const CLI::Option& option) {
    PositionalSpec spec;
    spec.name = option.get_name();
    spec.help = option.get_description();
    spec.required = option.get_required();
    spec.repeatable = option.get_items_expected_max() > 1;
    std::string value_name;  // the positional's name says more: "ID_OR_NAME", not "TEXT"
    read_type_name(spec.name + ":" + option.get_type_name(), value_name, spec.kind, spec.choices);
    return spec;
}

}  // namespace

CommandSpec command_spec(const CLI::App& app) {
    CommandSpec spec;
    spec.name = app.get_name();
    spec.description = app.get_description();
    spec.requires_subcommand = app.get_require_subcommand_min() > 0;
    for (const auto* option : app.get_options()) {
        if (option->get_group().empty()) continue;  // hidden
        if (option->get_positional()) {
            spec.positionals.push_back(positional_spec(*option));
        } else {
            spec.options.push_back(option_spec(*option));
        }
    }
    for (const auto* subcommand : app.get_subcommands([](const CLI::App* each) { return !each->get_group().empty(); })) {
        spec.subcommands.push_back(command_spec(*subcommand));
    }
    return spec;
}

CommandSpec command_spec(const NodeCommandLine& command_line) {
    CommandSpec spec;
    spec.name = command_line.program;
    spec.description = command_line.description;
    const auto flag = [](std::vector<std::string> names, std::string help) {
        OptionSpec spec;
        spec.names = std::move(names);
        spec.help = std::move(help);
        return spec;
    };
    spec.options.push_back(flag({"-h", "--help"}, "Print this help message and exit"));
    spec.options.push_back(flag({"--version"}, "Display program version information and exit"));
    for (const auto& option : command_line.options) {
        auto each = flag({std::string("--") + option.name}, option.help);
        if (option.value != nullptr) {
            each.value_name = "TEXT";
            each.kind = ValueKind::text;
            each.default_value = *option.value;
        }
        each.required = option.required;
        spec.options.push_back(std::move(each));
    }
    if (command_line.positionals_name != nullptr) {
        const std::string name = command_line.positionals_name;
        PositionalSpec positional;
        positional.name = name;
        positional.kind = name == "FILE" ? ValueKind::file : ValueKind::text;
        positional.required = command_line.positionals_required;
        positional.repeatable = true;
        spec.positionals.push_back(std::move(positional));
    }
    return spec;
}

std::string summary_of(const std::string& description) {
    auto text = std::string_view(description);
    // "bvd: the BlockVisor host daemon. ...": a program's description starts with its name.
    if (const auto colon = text.find(": "); colon != std::string_view::npos && text.substr(0, colon).find(' ') == std::string_view::npos) {
        text.remove_prefix(colon + 2);
    }
    auto end = text.find('\n');
    for (const auto* separator : {". ", ": "}) end = std::min(end, text.find(separator));
    auto summary = std::string(text.substr(0, end));
    if (summary.ends_with('.')) summary.pop_back();
    return summary;
}

}  // namespace bv
