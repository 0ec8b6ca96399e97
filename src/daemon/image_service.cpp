#include "daemon/image_service.hpp"

#include "common/async.hpp"
#include "rpc/error.hpp"

namespace bv::daemon {
namespace {

v1::ImageInfo info_of(const Image& image) {
    v1::ImageInfo info;
    info.set_name(image.name);
    info.set_description(image.config.config.description);
    if (image.config.requirements) {
        info.set_vcpu_count(image.config.requirements->vcpu_count);
        info.set_mem_size_mb(image.config.requirements->mem_size_mb);
        info.set_disk_size_gb(image.config.requirements->disk_size_gb);
    }
    for (const auto& method : image.config.method_names()) info.add_methods(method);
    info.set_path(image.dir.string());
    return info;
}

v1::ImageDownload download_of(const DownloadProgress& progress) {
    v1::ImageDownload download;
    download.set_name(progress.image);
    download.set_phase(progress.phase == DownloadPhase::downloading ? v1::IMAGE_DOWNLOAD_PHASE_DOWNLOADING
                                                                    : v1::IMAGE_DOWNLOAD_PHASE_UNPACKING);
    download.set_received_bytes(progress.received_bytes);
    download.set_total_bytes(progress.total_bytes);
    return download;
}

}  // namespace

void ImageService::register_with(rpc::Router& router) {
    router.unary("blockvisor.v1.ImageService/List", this, &ImageService::list);
    router.unary("blockvisor.v1.ImageService/Import", this, &ImageService::import);
}

asio::awaitable<v1::ListImagesResponse> ImageService::list(v1::ListImagesRequest, rpc::CallContext&) {
    v1::ListImagesResponse response;
    for (const auto& image : images_.list()) *response.add_images() = info_of(image);
    for (const auto& download : downloads_.in_progress()) *response.add_downloads() = download_of(download);
    co_return response;
}

asio::awaitable<v1::ImageInfo> ImageService::import(v1::ImportImageRequest request, rpc::CallContext&) {
    if (request.path().empty() || request.path().front() != '/') {
        throw rpc::Error(rpc::Code::invalid_argument, "import needs an absolute path, got '" + request.path() + "'");
    }
    co_return info_of(co_await tasks_.run_shielded(images_.import(request.path(), request.replace(), in_use_)));
}

}  // namespace bv::daemon
