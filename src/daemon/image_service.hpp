#pragma once

#include "blockvisor/v1/image.pb.h"
#include <functional>

#include "common/owned_tasks.hpp"
#include "daemon/image_downloader.hpp"
#include "daemon/image_store.hpp"
#include "rpc/router.hpp"

namespace bv::daemon {

namespace v1 = blockvisor::v1;

// blockvisor.v1.ImageService: the image cache.
class ImageService {
public:
    // `in_use(name)`: whether a node runs on the image (it cannot be replaced then).
    // Imports run in `tasks`: to their end, whoever stops waiting for them. List shows the
    // downloads of `downloads` too.
    ImageService(ImageStore& images, const ImageDownloader& downloads, std::function<bool(const std::string&)> in_use,
                 OwnedTasks& tasks)
        : images_(images), downloads_(downloads), in_use_(std::move(in_use)), tasks_(tasks) {}
    void register_with(rpc::Router& router);

    asio::awaitable<v1::ListImagesResponse> list(v1::ListImagesRequest request, rpc::CallContext&);
    asio::awaitable<v1::ImageInfo> import(v1::ImportImageRequest request, rpc::CallContext&);

private:
    ImageStore& images_;
    const ImageDownloader& downloads_;
    std::function<bool(const std::string&)> in_use_;
    OwnedTasks& tasks_;
};

}  // namespace bv::daemon
