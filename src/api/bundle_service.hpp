#pragma once

#include <boost/asio/awaitable.hpp>

#include "api/service_context.hpp"
#include "rpc/router.hpp"

namespace bv::api {

namespace asio = boost::asio;

// blockvisor.api.v1.BundleService and the bundle files: what hosts update themselves from.
class BundleService {
public:
    explicit BundleService(ServiceContext& context) : context_(context) {}
    // The procedure, and the files under `bundles_dir` at /bundles/ for authenticated hosts.
    void register_with(rpc::Router& router, const std::filesystem::path& bundles_dir);

    asio::awaitable<v1::ListBundlesResponse> list_bundles(v1::ListBundlesRequest request, rpc::CallContext& call);
    // A bundle download carries a host's access token, or (for the provisioning script, which
    // has no token yet) a one-time password that is still usable. Throws rpc::Error(unauthenticated).
    void authorize_download(const rpc::CallContext& call);

private:
    ServiceContext& context_;
};

// The URL path under which DATA_DIR/bundles is served.
inline constexpr std::string_view kBundlesPrefix = "/bundles/";

// The https URL of a bundle under the server's public URL.
std::string bundle_url(const ServiceSettings& settings, const admin::StoredBundle& bundle);
// The bundle as hosts see it: its URL set.
v1::Bundle bundle_view(const ServiceSettings& settings, const admin::StoredBundle& bundle);

}  // namespace bv::api
