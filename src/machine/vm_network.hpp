#pragma once

// The names and addresses of a VM node's two links (see docs/vm.md): the public interface
// on the host bridge (bridge mode only) and the private point-to-point link that carries
// the node channel.

#include <cstdint>
#include <optional>
#include <string>

namespace bv::machine {

// Host devices are named after the node id (at most 15 characters): "bvt" + 12 characters
// for the public tap, "bvc" + 12 for the channel's tap.
std::string public_tap_name(const std::string& node_id);
std::string channel_tap_name(const std::string& node_id);

// A locally administered unicast MAC made from an IPv4 address ("10.1.2.3" or
// "10.1.2.3/24" -> 06:00:0a:01:02:03), so that a node keeps its MAC with its address.
// nullopt when `ip` is not an IPv4 address.
std::optional<std::string> mac_of_ip(const std::string& ip);

// Link n (kFirstChannelLink <= n < kChannelLinkEnd) is the /30 169.254.(4n / 256).(4n % 256):
// the host's end is .1 of it, the guest's .2. The first and last /24 of 169.254/16 are
// reserved (RFC 3927), so links stay inside 169.254.1.0 - 169.254.254.255.
inline constexpr std::uint32_t kFirstChannelLink = 64;
inline constexpr std::uint32_t kChannelLinkEnd = 255 * 64;
struct ChannelLinkAddresses {
    std::string host;   // e.g. 169.254.1.1
    std::string guest;  // e.g. 169.254.1.2
};
ChannelLinkAddresses channel_link_addresses(std::uint32_t link);

}  // namespace bv::machine
