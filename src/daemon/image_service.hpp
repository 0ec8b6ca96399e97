#pragma once

#include "blockvisor/v1/image.pb.h"
#include <functional>

#include "daemon/image_store.hpp"
#include "rpc/router.hpp"

namespace bv::daemon {

namespace v1 = blockvisor::v1;

// blockvisor.v1.ImageService: the image cache.
class ImageService {
public:
    // `in_use(name)`: whether a node runs on the image (it cannot be replaced then).
    ImageService(ImageStore& images, std::function<bool(const std::string&)> in_use)
        : images_(images), in_use_(std::move(in_use)) {}
    void register_with(rpc::Router& router);

    asio::awaitable<v1::ListImagesResponse> list(v1::ListImagesRequest request, rpc::CallContext&);
    asio::awaitable<v1::ImageInfo> import(v1::ImportImageRequest request, rpc::CallContext&);

private:
    ImageStore& images_;
    std::function<bool(const std::string&)> in_use_;
};

}  // namespace bv::daemon
