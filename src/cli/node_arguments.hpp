#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "blockvisor/v1/node.pb.h"

namespace bv::cli {

// The items of a repeated "key=value" option (--props, --param) as a map. The value is what
// follows the first '=' and may be empty. Throws CLI::ValidationError (a usage error, exit
// code 2) for an item without '=', an empty key, or a key given twice.
std::map<std::string, std::string> parse_key_values(std::string_view option,
                                                    const std::vector<std::string>& items);

// The network of `bv node create --network MODE [--ip IP] [--gateway GW]`. Throws
// CLI::ValidationError when --ip or --gateway come without --network bridge: the host network
// has no address of its own to give.
blockvisor::v1::NodeNetwork node_network_of_options(const std::string& mode, const std::string& ip,
                                                    const std::string& gateway);

}  // namespace bv::cli
