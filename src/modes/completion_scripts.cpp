#include "modes/completion_scripts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <vector>

namespace bv {
namespace {

// Every command of the tree with its path ("bv node create") and its ancestors, the program
// first: options given to an ancestor are accepted after a subcommand too (CLI11's fallthrough).
struct CommandAt {
    std::string path;
    const CommandSpec* command;
    std::vector<const CommandSpec*> lineage;  // the program ... the command itself
};

std::vector<CommandAt> every_command(const CommandSpec& root) {
    std::vector<CommandAt> all;
    std::function<void(const CommandSpec&, const std::string&, std::vector<const CommandSpec*>)> walk =
        [&](const CommandSpec& command, const std::string& path, std::vector<const CommandSpec*> lineage) {
            lineage.push_back(&command);
            all.push_back({path, &command, lineage});
            for (const auto& sub : command.subcommands) walk(sub, path + " " + sub.name, lineage);
        };
    walk(root, root.name, {});
    return all;
}

// The word the scripts' helpers use for a kind of value: "node", "choice a b", ...
std::string kind_word(ValueKind kind, const std::vector<std::string>& choices) {
    switch (kind) {
        case ValueKind::none: return "none";
        case ValueKind::text: return "text";
        case ValueKind::file: return "file";
        case ValueKind::directory: return "directory";
        case ValueKind::node: return "node";
        case ValueKind::image: return "image";
        case ValueKind::choice: {
            std::string word = "choice";
            for (const auto& choice : choices) word += " " + choice;
            return word;
        }
    }
    return "text";
}

std::string joined_subcommands(const CommandSpec& command) {
    std::string words;
    for (const auto& sub : command.subcommands) words += (words.empty() ? "" : " ") + sub.name;
    return words;
}

// The options that hold at a command: its own, then its ancestors' (CLI11's fallthrough), each
// name once (every command has its own --help).
std::vector<const OptionSpec*> options_at(const CommandAt& at) {
    std::vector<const OptionSpec*> options;
    std::vector<std::string> seen;
    for (auto command = at.lineage.rbegin(); command != at.lineage.rend(); ++command) {
        for (const auto& option : (*command)->options) {
            if (std::ranges::any_of(option.names, [&](const auto& name) { return std::ranges::count(seen, name) > 0; })) {
                continue;
            }
            seen.insert(seen.end(), option.names.begin(), option.names.end());
            options.push_back(&option);
        }
    }
    return options;
}

std::string function_name(const std::string& program) {
    std::string name = "_" + program;
    for (auto& c : name) {
        if (c == '-') c = '_';
    }
    return name;
}

// Single-quoted for sh and fish: ' becomes '\''  (fish: \').
std::string quoted(const std::string& text, Shell shell) {
    std::string out = "'";
    for (const char c : text) {
        if (c == '\'') {
            out += shell == Shell::fish ? "\\'" : "'\\''";
        } else if (c == '\\' && shell == Shell::fish) {
            out += "\\\\";
        } else {
            out += c;
        }
    }
    return out + "'";
}

// The tables as sh functions (bash and zsh read them alike): subcommands and options of a
// path, the kind of an option's value, the kind of the n-th positional argument.
std::string sh_tables(const std::string& prefix, const std::vector<CommandAt>& commands) {
    std::string subcommands, options, option_kinds, positional_kinds;
    for (const auto& [path, command, lineage] : commands) {
        if (!command->subcommands.empty()) {
            subcommands += fmt::format("        \"{}\") echo \"{}\" ;;\n", path, joined_subcommands(*command));
        }
        std::string names;
        for (const auto* option : options_at({path, command, lineage})) {
            for (const auto& name : option->names) {
                names += (names.empty() ? "" : " ") + name;
                option_kinds += fmt::format("        \"{} {}\") echo \"{}\" ;;\n", path, name,
                                            kind_word(option->kind, option->choices));
            }
        }
        options += fmt::format("        \"{}\") echo \"{}\" ;;\n", path, names);
        for (std::size_t index = 0; index < command->positionals.size(); ++index) {
            const auto& positional = command->positionals[index];
            const bool last = index + 1 == command->positionals.size();
            // A repeatable last positional takes every later word too.
            const auto pattern = last && positional.repeatable ? fmt::format("\"{} \"*", path)
                                                               : fmt::format("\"{} {}\"", path, index);
            positional_kinds += fmt::format("        {}) echo \"{}\" ;;\n", pattern, kind_word(positional.kind, positional.choices));
        }
    }
    return fmt::format(
        "# The subcommands of a command path (\"{0} node\").\n"
        "{1}_subcommands() {{\n    case \"$1\" in\n{2}    esac\n}}\n\n"
        "# The options of a command path: its own and those of the commands above it.\n"
        "{1}_options() {{\n    case \"$1\" in\n{3}    esac\n}}\n\n"
        "# What the value of an option is (\"PATH OPTION\"): none (a flag), text, file, directory, node, image, "
        "choice A B...\n"
        "{1}_option_kind() {{\n    case \"$1\" in\n{4}    esac\n}}\n\n"
        "# What the positional argument number $2 (from 0) of path $1 is.\n"
        "{1}_positional_kind() {{\n    case \"$1 $2\" in\n{5}    esac\n}}\n\n"
        "# Walks the words before the cursor ($@): sets {1}_path (the command path), {1}_positional (how many\n"
        "# positional arguments came after it) and {1}_target (--root/--socket as typed, for __complete).\n"
        "{1}_walk() {{\n"
        "    {1}_path={0} {1}_positional=0 {1}_target=\n"
        "    local word kind value_of=\n"
        "    shift\n"
        "    for word in \"$@\"; do\n"
        "        if [ -n \"$value_of\" ]; then\n"
        "            case \"$value_of\" in --root|--socket) {1}_target=\"${1}_target $value_of $word\" ;; esac\n"
        "            value_of=\n"
        "            continue\n"
        "        fi\n"
        "        case \"$word\" in\n"
        "        -*)\n"
        "            kind=$({1}_option_kind \"${1}_path $word\")\n"
        "            if [ -n \"$kind\" ] && [ \"$kind\" != none ]; then value_of=$word; fi ;;\n"
        "        *)\n"
        "            case \" $({1}_subcommands \"${1}_path\") \" in\n"
        "            *\" $word \"*) {1}_path=\"${1}_path $word\" {1}_positional=0 ;;\n"
        "            *) {1}_positional=$(({1}_positional + 1)) ;;\n"
        "            esac ;;\n"
        "        esac\n"
        "    done\n"
        "}}\n\n"
        "# The candidates of a kind of value, one per line (paths are left to the shell).\n"
        "{1}_values() {{\n"
        "    case \"$1\" in\n"
        "    node) command {0} ${1}_target __complete nodes 2>/dev/null ;;\n"
        "    image) command {0} ${1}_target __complete images 2>/dev/null ;;\n"
        "    choice*) printf '%s\\n' ${{1#choice }} ;;\n"
        "    esac\n"
        "}}\n",
        commands.front().path, prefix, subcommands, options, option_kinds, positional_kinds);
}

std::string bash_script(const CommandSpec& spec, const std::vector<CommandAt>& commands) {
    const auto prefix = function_name(spec.name);
    return fmt::format(
        "# bash completion for {0}: generated by '{0} completion bash' from its own command line definition.\n"
        "# Load it with: source <({0} completion bash), or install it as\n"
        "# /usr/share/bash-completion/completions/{0}.\n\n"
        "{2}\n"
        "{1}() {{\n"
        "    local cur=${{COMP_WORDS[COMP_CWORD]}} prev= kind word\n"
        "    (( COMP_CWORD > 0 )) && prev=${{COMP_WORDS[COMP_CWORD-1]}}\n"
        "    {1}_walk \"${{COMP_WORDS[@]:0:COMP_CWORD}}\"\n"
        "    COMPREPLY=()\n"
        "    kind=\n"
        "    [[ $prev == -* ]] && kind=$({1}_option_kind \"${1}_path $prev\")\n"
        "    if [[ -z $kind || $kind == none ]]; then\n"
        "        if [[ $cur == -* ]]; then\n"
        "            COMPREPLY=($(compgen -W \"$({1}_options \"${1}_path\")\" -- \"$cur\"))\n"
        "            return\n"
        "        fi\n"
        "        COMPREPLY=($(compgen -W \"$({1}_subcommands \"${1}_path\")\" -- \"$cur\"))\n"
        "        kind=$({1}_positional_kind \"${1}_path\" \"${1}_positional\")\n"
        "    fi\n"
        "    case \"$kind\" in\n"
        "    file) compopt -o filenames 2>/dev/null; COMPREPLY+=($(compgen -f -- \"$cur\")) ;;\n"
        "    directory) compopt -o filenames 2>/dev/null; COMPREPLY+=($(compgen -d -- \"$cur\")) ;;\n"
        "    node|image|choice*)\n"
        "        local values IFS=$'\\n'\n"
        "        values=$(IFS=$' \\t\\n'; {1}_values \"$kind\")\n"
        "        COMPREPLY+=($(compgen -W \"$values\" -- \"$cur\")) ;;\n"
        "    esac\n"
        "}}\n"
        "complete -F {1} {0}\n",
        spec.name, prefix, sh_tables(prefix, commands));
}

std::string zsh_script(const CommandSpec& spec, const std::vector<CommandAt>& commands) {
    const auto prefix = function_name(spec.name);
    return fmt::format(
        "#compdef {0}\n"
        "# zsh completion for {0}: generated by '{0} completion zsh' from its own command line definition.\n"
        "# Install it as _{0} in a directory of $fpath, or load it with: source <({0} completion zsh).\n\n"
        "{2}\n"
        "{1}() {{\n"
        "    # The helpers split words as sh does (the --root and --socket typed, the choices).\n"
        "    setopt local_options sh_word_split\n"
        "    local cur=${{words[CURRENT]}} prev=${{words[CURRENT-1]}} kind\n"
        "    {1}_walk \"${{(@)words[1,CURRENT-1]}}\"\n"
        "    kind=\n"
        "    case \"$prev\" in -*) kind=$({1}_option_kind \"${1}_path $prev\") ;; esac\n"
        "    if [ -z \"$kind\" ] || [ \"$kind\" = none ]; then\n"
        "        case \"$cur\" in\n"
        "        -*) compadd -- ${{=$({1}_options \"${1}_path\")}}; return ;;\n"
        "        esac\n"
        "        compadd -- ${{=$({1}_subcommands \"${1}_path\")}}\n"
        "        kind=$({1}_positional_kind \"${1}_path\" \"${1}_positional\")\n"
        "    fi\n"
        "    case \"$kind\" in\n"
        "    file) _files ;;\n"
        "    directory) _files -/ ;;\n"
        "    node|image|choice*) compadd -- ${{(f)\"$({1}_values \"$kind\")\"}} ;;\n"
        "    esac\n"
        "}}\n\n"
        "if [ \"$funcstack[1]\" = {1} ]; then {1} \"$@\"; else compdef {1} {0}; fi\n",
        spec.name, prefix, sh_tables(prefix, commands));
}

// What fish completes a value with (after -r for an option's value).
std::string fish_values(const std::string& program, ValueKind kind, const std::vector<std::string>& choices) {
    switch (kind) {
        case ValueKind::none:
        case ValueKind::text: return "-f";
        case ValueKind::file: return "-F";
        case ValueKind::directory: return "-f -a '(__fish_complete_directories)'";
        case ValueKind::node: return fmt::format("-f -a '(__{}_values nodes)'", program);
        case ValueKind::image: return fmt::format("-f -a '(__{}_values images)'", program);
        case ValueKind::choice: {
            std::string words;
            for (const auto& choice : choices) words += (words.empty() ? "" : " ") + choice;
            return "-f -a " + quoted(words, Shell::fish);
        }
    }
    return "-f";
}

std::string fish_script(const CommandSpec& spec, const std::vector<CommandAt>& commands) {
    const auto program = function_name(spec.name).substr(1);
    std::string paths, lines;
    for (const auto& [path, command, lineage] : commands) {
        paths += " " + quoted(path, Shell::fish);
        for (const auto& sub : command->subcommands) {
            lines += fmt::format("complete -c {} -f -n {} -a {} -d {}\n", spec.name,
                                 quoted(fmt::format("__{}_at \"{}\"", program, path), Shell::fish), sub.name,
                                 quoted(summary_of(sub.description), Shell::fish));
        }
        for (const auto& option : command->options) {
            std::string names;
            for (const auto& name : option.names) {
                names += name.starts_with("--") ? " -l " + name.substr(2) : " -s " + name.substr(1);
            }
            const auto value = option.kind == ValueKind::none ? "" : " -r " + fish_values(program, option.kind, option.choices);
            lines += fmt::format("complete -c {} -n {}{}{} -d {}\n", spec.name,
                                 quoted(fmt::format("__{}_in \"{}\"", program, path), Shell::fish), names, value,
                                 quoted(summary_of(option.help), Shell::fish));
        }
        if (!command->positionals.empty()) {
            const auto& positional = command->positionals.front();
            if (positional.kind != ValueKind::text) {
                lines += fmt::format("complete -c {} -n {} {}\n", spec.name,
                                     quoted(fmt::format("__{}_at \"{}\"", program, path), Shell::fish),
                                     fish_values(program, positional.kind, positional.choices));
            }
        }
    }
    return fmt::format(
        "# fish completion for {0}: generated by '{0} completion fish' from its own command line definition.\n"
        "# Install it as ~/.config/fish/completions/{0}.fish, or load it with: {0} completion fish | source\n\n"
        "# The command path of the words before the cursor: \"{0} node create\".\n"
        "function __{1}_path\n"
        "    set -l paths{2}\n"
        "    set -l path {0}\n"
        "    for word in (commandline -opc)[2..-1]\n"
        "        if contains -- \"$path $word\" $paths\n"
        "            set path \"$path $word\"\n"
        "        end\n"
        "    end\n"
        "    echo $path\n"
        "end\n\n"
        "# At exactly this command (its subcommands and arguments).\n"
        "function __{1}_at\n"
        "    test (__{1}_path) = $argv[1]\n"
        "end\n\n"
        "# At this command or below it (its options hold there too).\n"
        "function __{1}_in\n"
        "    set -l path (__{1}_path)\n"
        "    test $path = $argv[1]; or string match -q -- \"$argv[1] *\" $path\n"
        "end\n\n"
        "# Nodes or images of the running bvd, with the --root or --socket typed so far.\n"
        "function __{1}_values\n"
        "    set -l target\n"
        "    set -l words (commandline -opc)\n"
        "    for i in (seq (count $words))\n"
        "        if contains -- $words[$i] --root --socket; and test $i -lt (count $words)\n"
        "            set target $target $words[$i] $words[(math $i + 1)]\n"
        "        end\n"
        "    end\n"
        "    command {0} $target __complete $argv[1] 2>/dev/null\n"
        "end\n\n"
        "complete -c {0} -f\n"
        "{3}",
        spec.name, program, paths, lines);
}

}  // namespace

std::optional<Shell> parse_shell(std::string_view name) {
    if (name == "bash") return Shell::bash;
    if (name == "zsh") return Shell::zsh;
    if (name == "fish") return Shell::fish;
    return std::nullopt;
}

std::string completion_script(const CommandSpec& spec, Shell shell) {
    const auto commands = every_command(spec);
    switch (shell) {
        case Shell::bash: return bash_script(spec, commands);
        case Shell::zsh: return zsh_script(spec, commands);
        case Shell::fish: return fish_script(spec, commands);
    }
    return {};
}

}  // namespace bv
