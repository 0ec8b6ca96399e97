#pragma once

#include "blockvisor/v1/host_metrics.pb.h"
#include "blockvisor/v1/image.pb.h"
#include "daemon/image_store.hpp"
#include "daemon/metrics_collector.hpp"
#include "rpc/router.hpp"

namespace bv::daemon {

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

// blockvisor.v1.MetricsService: the host's metrics.
class MetricsService {
public:
    explicit MetricsService(MetricsCollector& metrics) : metrics_(metrics) {}
    void register_with(rpc::Router& router);

    asio::awaitable<v1::HostMetrics> host(v1::HostMetricsRequest request, rpc::CallContext&);

private:
    MetricsCollector& metrics_;
};

}  // namespace bv::daemon
