#include "cli/node_arguments.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>

namespace bv::cli {

std::map<std::string, std::string> parse_key_values(std::string_view option,
                                                    const std::vector<std::string>& items) {
    std::map<std::string, std::string> values;
    for (const auto& item : items) {
        const auto separator = item.find('=');
        if (separator == std::string::npos || separator == 0) {
            throw CLI::ValidationError(
                std::string(option),
                fmt::format("'{}' is not key=value (e.g. network=mainnet)", item));
        }
        auto key = item.substr(0, separator);
        if (values.contains(key)) {
            throw CLI::ValidationError(std::string(option),
                                       fmt::format("key '{}' is given twice", key));
        }
        values.emplace(std::move(key), item.substr(separator + 1));
    }
    return values;
}

blockvisor::v1::NodeNetwork node_network_of_options(const std::string& mode, const std::string& ip,
                                                    const std::string& gateway) {
    if (mode != "bridge" && (!ip.empty() || !gateway.empty())) {
        throw CLI::ValidationError(
            ip.empty() ? "--gateway" : "--ip",
            "only with --network bridge (on the host network a node uses the host's address)");
    }
    blockvisor::v1::NodeNetwork network;
    network.set_mode(mode);
    network.set_ip(ip);
    network.set_gateway(gateway);
    return network;
}

}  // namespace bv::cli
