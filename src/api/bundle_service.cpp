#include "api/bundle_service.hpp"

#include "api/authentication.hpp"
#include "rpc/error.hpp"

namespace bv::api {

std::string bundle_url(const ServiceSettings& settings, const admin::StoredBundle& bundle) {
    return settings.public_url + std::string(kBundlesPrefix) + bundle.file();
}

v1::Bundle bundle_view(const ServiceSettings& settings, const admin::StoredBundle& bundle) {
    auto view = bundle.bundle();
    view.set_url(bundle_url(settings, bundle));
    return view;
}

void BundleService::register_with(rpc::Router& router, const std::filesystem::path& bundles_dir) {
    router.unary("blockvisor.api.v1.BundleService/ListBundles", this, &BundleService::list_bundles);
    router.files(std::string(kBundlesPrefix), bundles_dir,
                 [this](const rpc::CallContext& call) { authorize_download(call); });
}

asio::awaitable<v1::ListBundlesResponse> BundleService::list_bundles(v1::ListBundlesRequest request,
                                                                     rpc::CallContext& call) {
    authenticate_host(context_.store.hosts, call, request.host_id(), context_.now_ms());
    v1::ListBundlesResponse response;
    for (const auto& bundle : context_.store.bundles.list()) *response.add_bundles() = bundle_view(context_.settings, bundle);
    co_return response;
}

void BundleService::authorize_download(const rpc::CallContext& call) {
    const auto token = bearer_token(call);
    const auto now = context_.now_ms();
    try {
        context_.store.hosts.authenticate(token, now);
        return;
    } catch (const rpc::Error&) {
        // Not a host's token: perhaps a provisioning script's one-time password.
    }
    try {
        context_.store.hosts.check_otp(token, now);
    } catch (const rpc::Error&) {
        throw rpc::Error(rpc::Code::unauthenticated,
                         "bundle downloads carry a host's access token, or a usable one-time password "
                         "(Authorization: Bearer ...); this one is neither (unknown, expired, revoked or used)");
    }
}

}  // namespace bv::api
