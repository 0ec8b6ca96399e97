#pragma once

#include <filesystem>
#include <string>

#include "blockvisor/api/v1/common.pb.h"
#include "blockvisor/v1/config.pb.h"

namespace bv::daemon {

// This host as it registers itself with the control plane: name, version, capacity, OS,
// address and gateway (of the default route), the range for bridged nodes.
blockvisor::api::v1::HostInfo read_host_identity(const std::filesystem::path& root, const blockvisor::v1::HostConfig& config);

// The default route's gateway and the address of its interface, from /proc/net/route and the
// interface list; empty when there is no default route.
struct DefaultRoute {
    std::string ip;
    std::string gateway;
};
DefaultRoute read_default_route();

// NAME and VERSION_ID of /etc/os-release text.
struct OsRelease {
    std::string name;
    std::string version;
};
OsRelease parse_os_release(std::string_view text);

}  // namespace bv::daemon
