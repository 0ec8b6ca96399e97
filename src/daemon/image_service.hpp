#pragma once

#include "blockvisor/v1/image.pb.h"
#include "daemon/image_store.hpp"
#include "rpc/router.hpp"

namespace bv::daemon {

namespace v1 = blockvisor::v1;

// blockvisor.v1.ImageService: the image cache.
class ImageService {
public:
    explicit ImageService(ImageStore& images) : images_(images) {}
    void register_with(rpc::Router& router);

    asio::awaitable<v1::ListImagesResponse> list(v1::ListImagesRequest request, rpc::CallContext&);
    asio::awaitable<v1::ImageInfo> import(v1::ImportImageRequest request, rpc::CallContext&);

private:
    ImageStore& images_;
};

}  // namespace bv::daemon
