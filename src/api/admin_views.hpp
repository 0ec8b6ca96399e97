#pragma once

// What the admin commands print without --json.

#include "api/messages.hpp"

namespace bv::api {

void print_hosts(const admin::ListHostsResponse& response);
void print_nodes(const admin::ListNodesResponse& response, const admin::ListHostsResponse& hosts);
void print_images(const admin::ListImagesResponse& response);
void print_image(const admin::Image& image);
void print_bundles(const admin::ListBundlesResponse& response);
void print_published(const admin::PublishBundleResponse& response);
void print_keys(const admin::ListKeysResponse& response);
void print_commands(const admin::ListCommandsResponse& response);
// The node and the command an admin request issued.
void print_issued(const admin::ChangeNodeResponse& response);

// "running", "stopped", ...: the enum's name without its prefix, lower case; "-" when unspecified.
std::string status_word(v1::NodeStatus status);
std::string status_word(v1::HostStatus status);
std::string state_word(admin::CommandState state);

}  // namespace bv::api
