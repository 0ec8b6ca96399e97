#pragma once

#include <boost/asio/awaitable.hpp>

#include "api/service_context.hpp"
#include "rpc/router.hpp"

namespace bv::api {

namespace asio = boost::asio;

// blockvisor.api.admin.v1.AdminService: what the admin commands of bv-api call. Every call must
// carry the admin token.
class AdminService {
public:
    AdminService(ServiceContext& context, std::filesystem::path bundles_dir)
        : context_(context), bundles_dir_(std::move(bundles_dir)) {}
    void register_with(rpc::Router& router);

    asio::awaitable<admin::CreateOtpResponse> create_otp(admin::CreateOtpRequest request, rpc::CallContext& call);
    asio::awaitable<admin::ListHostsResponse> list_hosts(admin::ListHostsRequest request, rpc::CallContext& call);
    asio::awaitable<admin::RevokeHostResponse> revoke_host(admin::RevokeHostRequest request, rpc::CallContext& call);
    asio::awaitable<admin::ListNodesResponse> list_nodes(admin::ListNodesRequest request, rpc::CallContext& call);
    asio::awaitable<admin::AddImageResponse> add_image(admin::AddImageRequest request, rpc::CallContext& call);
    asio::awaitable<admin::ListImagesResponse> list_images(admin::ListImagesRequest request, rpc::CallContext& call);
    asio::awaitable<admin::ChangeNodeResponse> create_node(admin::CreateNodeRequest request, rpc::CallContext& call);
    asio::awaitable<admin::ChangeNodeResponse> change_node(admin::ChangeNodeRequest request, rpc::CallContext& call);
    asio::awaitable<admin::ListKeysResponse> list_keys(admin::ListKeysRequest request, rpc::CallContext& call);
    asio::awaitable<admin::PublishBundleResponse> publish_bundle(admin::PublishBundleRequest request,
                                                                 rpc::CallContext& call);
    asio::awaitable<admin::ListBundlesResponse> list_bundles(admin::ListBundlesRequest request, rpc::CallContext& call);
    asio::awaitable<admin::ListCommandsResponse> list_commands(admin::ListCommandsRequest request,
                                                               rpc::CallContext& call);

private:
    admin::Host host_view(admin::Host host);
    admin::Node node_view(admin::Node node);
    admin::Image image_view(admin::Image image);
    admin::StoredBundle stored_bundle_view(admin::StoredBundle bundle);
    // The response, with the node as it is now; its host's streams are woken for the command.
    admin::ChangeNodeResponse issued(admin::ChangeNodeResponse response);

    ServiceContext& context_;
    std::filesystem::path bundles_dir_;
};

}  // namespace bv::api
