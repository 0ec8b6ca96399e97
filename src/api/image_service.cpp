#include "api/image_service.hpp"

#include "api/authentication.hpp"
#include "rpc/error.hpp"

namespace bv::api {

std::string image_url(const ServiceSettings& settings, const admin::Image& image) {
    return settings.public_url + std::string(kFilesPrefix) + image.file();
}

void ImageService::register_with(rpc::Router& router) {
    router.unary("blockvisor.api.v1.ImageService/Locate", this, &ImageService::locate);
}

asio::awaitable<v1::LocateImageResponse> ImageService::locate(v1::LocateImageRequest request, rpc::CallContext& call) {
    authenticate_host(context_.store.hosts, call, {}, context_.now_ms());
    const auto image = context_.store.images.find(request.image());
    if (!image) throw rpc::Error(rpc::Code::not_found, "no image '" + request.image() + "' in this control plane");
    v1::LocateImageResponse response;
    response.set_url(image_url(context_.settings, *image));
    response.set_size(image->size());
    response.set_sha256(image->sha256());
    co_return response;
}

}  // namespace bv::api
