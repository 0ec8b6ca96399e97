#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>

#include "blockvisor/v1/config.pb.h"
#include "blockvisor/v1/host.pb.h"
#include "common/paths.hpp"
#include "rpc/router.hpp"

namespace bv::daemon {

namespace asio = boost::asio;
namespace v1 = blockvisor::v1;

// blockvisor.v1.HostService: is the daemon alive, and what host is it running on.
class HostService {
public:
    HostService(HostPaths paths, const v1::HostConfig& config);
    void register_with(rpc::Router& router);

    asio::awaitable<v1::HealthResponse> health(v1::HealthRequest request, rpc::CallContext& context);
    asio::awaitable<v1::InfoResponse> info(v1::InfoRequest request, rpc::CallContext& context);

private:
    HostPaths paths_;
    const v1::HostConfig& config_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace bv::daemon
