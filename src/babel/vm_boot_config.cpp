#include "babel/vm_boot_config.hpp"

#include <sstream>
#include <stdexcept>
#include <vector>

namespace bv::babel {
namespace {

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::string part;
    std::istringstream stream(text);
    while (std::getline(stream, part, separator)) parts.push_back(part);
    return parts;
}

GuestLink parse_link(const std::string& name, const std::string& value, bool with_gateway) {
    const auto parts = split(value, ',');
    if (parts.size() < 2 || parts.size() > (with_gateway ? 3u : 2u) || parts[0].size() != 17 ||
        parts[1].find('/') == std::string::npos) {
        throw std::invalid_argument("kernel parameter " + name + "='" + value + "' is malformed: expected MAC,ADDRESS/PREFIX" +
                                    (with_gateway ? "[,GATEWAY]" : ""));
    }
    return {parts[0], parts[1], parts.size() == 3 ? parts[2] : ""};
}

std::string link_text(const GuestLink& link) {
    return link.mac + "," + link.address + (link.gateway.empty() ? "" : "," + link.gateway);
}

}  // namespace

VmBootConfig parse_vm_boot_config(std::string_view command_line) {
    VmBootConfig config;
    std::istringstream words{std::string(command_line)};
    std::string word;
    while (words >> word) {
        if (word == "--") break;  // what follows is init's own argv
        const auto equals = word.find('=');
        if (equals == std::string::npos) continue;
        const auto name = word.substr(0, equals), value = word.substr(equals + 1);
        if (name == "bv.hostname") {
            config.hostname = value;
        } else if (name == "bv.image") {
            config.image = value;
        } else if (name == "bv.net") {
            config.public_link = parse_link(name, value, true);
        } else if (name == "bv.channel") {
            config.channel_link = parse_link(name, value, false);
        }
    }
    if (config.hostname.empty()) throw std::invalid_argument("kernel command line has no bv.hostname=NAME");
    return config;
}

std::string module_parameters(std::string_view command_line, std::string_view module) {
    const auto normal = [](std::string text) {
        for (auto& c : text) c = c == '-' ? '_' : c;
        return text;
    };
    const auto prefix = normal(std::string(module)) + ".";
    std::string parameters;
    std::istringstream words{std::string(command_line)};
    std::string word;
    while (words >> word) {
        if (word == "--") break;
        const auto dot = word.find('.');
        if (dot == std::string::npos || normal(word.substr(0, dot + 1)) != prefix || word.size() == prefix.size()) continue;
        parameters += (parameters.empty() ? "" : " ") + word.substr(prefix.size());
    }
    return parameters;
}

std::string vm_boot_parameters(const VmBootConfig& config) {
    auto text = "bv.hostname=" + config.hostname;
    if (!config.image.empty()) text += " bv.image=" + config.image;
    if (config.channel_link) text += " bv.channel=" + link_text(*config.channel_link);
    if (config.public_link) text += " bv.net=" + link_text(*config.public_link);
    return text;
}

}  // namespace bv::babel
