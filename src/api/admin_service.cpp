#include "api/admin_service.hpp"

#include "api/authentication.hpp"
#include "api/bundle_files.hpp"
#include "api/bundle_service.hpp"
#include "api/image_files.hpp"
#include "api/image_service.hpp"
#include "api/secrets.hpp"
#include "common/log.hpp"
#include "common/worker_pool.hpp"
#include "daemon/image_store.hpp"
#include "rpc/error.hpp"

namespace bv::api {

void AdminService::register_with(rpc::Router& router) {
    const std::string service = "blockvisor.api.admin.v1.AdminService/";
    router.unary(service + "CreateOtp", this, &AdminService::create_otp);
    router.unary(service + "ListHosts", this, &AdminService::list_hosts);
    router.unary(service + "RevokeHost", this, &AdminService::revoke_host);
    router.unary(service + "ListNodes", this, &AdminService::list_nodes);
    router.unary(service + "AddImage", this, &AdminService::add_image);
    router.unary(service + "ListImages", this, &AdminService::list_images);
    router.unary(service + "CreateNode", this, &AdminService::create_node);
    router.unary(service + "ChangeNode", this, &AdminService::change_node);
    router.unary(service + "ListKeys", this, &AdminService::list_keys);
    router.unary(service + "ListCommands", this, &AdminService::list_commands);
    router.unary(service + "PublishBundle", this, &AdminService::publish_bundle);
    router.unary(service + "ListBundles", this, &AdminService::list_bundles);
}

admin::Host AdminService::host_view(admin::Host host) {
    host.set_open_streams(context_.feed.open_streams(host.id()));
    if (auto latest = context_.store.metrics.of_host(host.id())) {
        *host.mutable_metrics() = std::move(latest->metrics);
        host.set_metrics_at_ms(latest->at_ms);
    }
    host.set_nodes(static_cast<std::uint32_t>(context_.store.nodes.list(host.id(), false).size()));
    return host;
}

admin::Node AdminService::node_view(admin::Node node) {
    if (auto latest = context_.store.metrics.of_node(node.id())) {
        *node.mutable_metrics() = std::move(latest->metrics);
        node.set_metrics_at_ms(latest->at_ms);
    }
    return node;
}

admin::Image AdminService::image_view(admin::Image image) {
    image.set_url(image_url(context_.settings, image));
    return image;
}

admin::StoredBundle AdminService::stored_bundle_view(admin::StoredBundle bundle) {
    bundle.mutable_bundle()->set_url(bundle_url(context_.settings, bundle));
    return bundle;
}

admin::ChangeNodeResponse AdminService::issued(admin::ChangeNodeResponse response) {
    context_.feed.notify(response.command().host_id());
    const auto& command = response.command().command();
    log::info("command {} ({}) issued to host {} for node {}", command.id(), command_kind(command),
              response.command().host_id(), response.node().name());
    *response.mutable_node() = node_view(std::move(*response.mutable_node()));
    return response;
}

asio::awaitable<admin::CreateOtpResponse> AdminService::create_otp(admin::CreateOtpRequest request,
                                                                   rpc::CallContext& call) {
    authenticate_admin(call, context_.settings.admin_token);
    const auto now = context_.now_ms();
    const auto ttl_ms = request.ttl_seconds() > 0
                            ? std::int64_t{request.ttl_seconds()} * 1000
                            : std::chrono::duration_cast<std::chrono::milliseconds>(context_.settings.default_otp_ttl).count();
    admin::CreateOtpResponse response;
    response.set_otp(random_otp());
    response.set_expires_at_ms(now + ttl_ms);
    context_.store.hosts.add_otp(response.otp(), now, response.expires_at_ms());
    co_return response;
}

asio::awaitable<admin::ListHostsResponse> AdminService::list_hosts(admin::ListHostsRequest, rpc::CallContext& call) {
    authenticate_admin(call, context_.settings.admin_token);
    admin::ListHostsResponse response;
    for (auto& host : context_.store.hosts.list()) *response.add_hosts() = host_view(std::move(host));
    co_return response;
}

asio::awaitable<admin::RevokeHostResponse> AdminService::revoke_host(admin::RevokeHostRequest request,
                                                                     rpc::CallContext& call) {
    authenticate_admin(call, context_.settings.admin_token);
    const auto host = context_.store.hosts.resolve(request.host());
    context_.store.hosts.revoke(host.id(), context_.now_ms());
    // Its open streams end now, not at their next command.
    context_.feed.notify(host.id());
    log::info("host {} ({}) revoked", host.id(), host.info().name());
    admin::RevokeHostResponse response;
    *response.mutable_host() = host_view(*context_.store.hosts.find(host.id()));
    co_return response;
}

asio::awaitable<admin::ListNodesResponse> AdminService::list_nodes(admin::ListNodesRequest request,
                                                                   rpc::CallContext& call) {
    authenticate_admin(call, context_.settings.admin_token);
    const auto host_id = request.host().empty() ? std::string() : context_.store.hosts.resolve(request.host()).id();
    admin::ListNodesResponse response;
    for (auto& node : context_.store.nodes.list(host_id, request.include_deleted())) {
        *response.add_nodes() = node_view(std::move(node));
    }
    co_return response;
}

asio::awaitable<admin::AddImageResponse> AdminService::add_image(admin::AddImageRequest request,
                                                                 rpc::CallContext& call) {
    authenticate_admin(call, context_.settings.admin_token);
    const std::filesystem::path directory = request.directory();
    if (!directory.is_absolute()) {
        throw rpc::Error(rpc::Code::invalid_argument,
                         "image directory '" + request.directory() + "' is not an absolute path");
    }
    // Refused before packing, which takes a while; checked again when recording.
    context_.store.images.check_absent(daemon::read_image(directory).name);
    const auto files = context_.settings.files_dir;
    const auto now = context_.now_ms();
    admin::Image image;
    try {
        image = co_await run_in_worker([directory, files, now] { return pack_image(directory, files, now); }, Work::bulk);
    } catch (const rpc::Error&) {
        throw;
    } catch (const std::exception& error) {
        throw rpc::Error(rpc::Code::failed_precondition,
                         "cannot pack the image " + directory.string() + ": " + error.what());
    }
    try {
        context_.store.images.add(image);
    } catch (...) {
        std::error_code ignored;
        std::filesystem::remove(files / image.file(), ignored);
        throw;
    }
    log::info("image {} added: {} ({} bytes, sha256 {})", image.name(), image.file(), image.size(), image.sha256());
    admin::AddImageResponse response;
    *response.mutable_image() = image_view(std::move(image));
    co_return response;
}

asio::awaitable<admin::ListImagesResponse> AdminService::list_images(admin::ListImagesRequest,
                                                                     rpc::CallContext& call) {
    authenticate_admin(call, context_.settings.admin_token);
    admin::ListImagesResponse response;
    for (auto& image : context_.store.images.list()) *response.add_images() = image_view(std::move(image));
    co_return response;
}

asio::awaitable<admin::ChangeNodeResponse> AdminService::create_node(admin::CreateNodeRequest request,
                                                                     rpc::CallContext& call) {
    authenticate_admin(call, context_.settings.admin_token);
    co_return issued(context_.fleet.create_node(request, context_.now_ms()));
}

asio::awaitable<admin::ChangeNodeResponse> AdminService::change_node(admin::ChangeNodeRequest request,
                                                                     rpc::CallContext& call) {
    authenticate_admin(call, context_.settings.admin_token);
    co_return issued(context_.fleet.change_node(request, context_.now_ms()));
}

asio::awaitable<admin::ListKeysResponse> AdminService::list_keys(admin::ListKeysRequest request,
                                                                 rpc::CallContext& call) {
    authenticate_admin(call, context_.settings.admin_token);
    const auto node = context_.store.nodes.resolve(request.node());
    admin::ListKeysResponse response;
    response.set_node_id(node.id());
    for (auto& key : context_.store.keys.list(node.id())) *response.add_keys() = std::move(key);
    co_return response;
}

asio::awaitable<admin::ListCommandsResponse> AdminService::list_commands(admin::ListCommandsRequest request,
                                                                         rpc::CallContext& call) {
    authenticate_admin(call, context_.settings.admin_token);
    const auto host_id = request.host().empty() ? std::string() : context_.store.hosts.resolve(request.host()).id();
    admin::ListCommandsResponse response;
    for (auto& record : context_.store.commands.list(host_id)) *response.add_commands() = std::move(record);
    co_return response;
}

asio::awaitable<admin::PublishBundleResponse> AdminService::publish_bundle(admin::PublishBundleRequest request,
                                                                           rpc::CallContext& call) {
    authenticate_admin(call, context_.settings.admin_token);
    const std::filesystem::path file = request.file();
    if (!file.is_absolute()) {
        throw rpc::Error(rpc::Code::invalid_argument, "bundle file '" + request.file() + "' is not an absolute path");
    }
    if (!std::filesystem::is_regular_file(file)) {
        throw rpc::Error(rpc::Code::invalid_argument, "bundle file " + file.string() + " is not a file on bv-api's machine");
    }
    // Refused before copying; checked again when recording.
    context_.store.bundles.check_absent(read_bundle_version(file));
    const auto directory = bundles_dir_;
    const auto now = context_.now_ms();
    admin::StoredBundle stored;
    try {
        stored = co_await run_in_worker([file, directory, now] { return store_bundle(file, directory, now); }, Work::bulk);
    } catch (const rpc::Error&) {
        throw;
    } catch (const std::exception& error) {
        throw rpc::Error(rpc::Code::failed_precondition, "cannot store the bundle " + file.string() + ": " + error.what());
    }
    try {
        context_.store.bundles.add(stored);
    } catch (...) {
        std::error_code ignored;
        std::filesystem::remove(directory / stored.file(), ignored);
        throw;
    }
    const auto& bundle = stored.bundle();
    log::info("bundle {} published: {} ({} bytes, sha256 {})", bundle.version(), stored.file(), bundle.size(),
              bundle.sha256());
    admin::PublishBundleResponse response;
    for (auto& notice : context_.fleet.notify_update(bundle.version(), context_.now_ms())) {
        context_.feed.notify(notice.host_id());
        log::info("command {} (host_update_notice {}) issued to host {}", notice.command().id(), bundle.version(),
                  notice.host_id());
        *response.add_notices() = std::move(notice);
    }
    *response.mutable_bundle() = stored_bundle_view(std::move(stored));
    co_return response;
}

asio::awaitable<admin::ListBundlesResponse> AdminService::list_bundles(admin::ListBundlesRequest,
                                                                       rpc::CallContext& call) {
    authenticate_admin(call, context_.settings.admin_token);
    admin::ListBundlesResponse response;
    for (auto& bundle : context_.store.bundles.list()) *response.add_bundles() = stored_bundle_view(std::move(bundle));
    co_return response;
}

}  // namespace bv::api
