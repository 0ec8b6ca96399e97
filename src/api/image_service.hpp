#pragma once

#include <boost/asio/awaitable.hpp>

#include "api/service_context.hpp"
#include "rpc/router.hpp"

namespace bv::api {

namespace asio = boost::asio;

// blockvisor.api.v1.ImageService: where hosts download the images added to bv-api.
class ImageService {
public:
    explicit ImageService(ServiceContext& context) : context_(context) {}
    void register_with(rpc::Router& router);

    asio::awaitable<v1::LocateImageResponse> locate(v1::LocateImageRequest request, rpc::CallContext& call);

private:
    ServiceContext& context_;
};

// The https URL of an image's archive under the server's public URL.
std::string image_url(const ServiceSettings& settings, const admin::Image& image);

}  // namespace bv::api
