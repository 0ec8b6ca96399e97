#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>

#include "blockvisor/v1/host.pb.h"
#include "blockvisor/v1/test_hooks.pb.h"
#include "daemon/control/control_plane.hpp"
#include "daemon/operation_gate.hpp"
#include "host/host_config.hpp"
#include "host/paths.hpp"
#include "rpc/router.hpp"

namespace bv::daemon {

namespace asio = boost::asio;
namespace v1 = blockvisor::v1;

// blockvisor.v1.HostService: is the daemon alive, what host is it running on, and its link to
// the control plane.
class HostService {
public:
  HostService(HostPaths paths, const HostConfigStore& config, ControlPlane& control_plane,
              OperationGate& operations);
  void register_with(rpc::Router& router);

  asio::awaitable<v1::HealthResponse> health(v1::HealthRequest request, rpc::CallContext& context);
  asio::awaitable<v1::InfoResponse> info(v1::InfoRequest request, rpc::CallContext& context);
  asio::awaitable<v1::ProvisionResponse> provision(v1::ProvisionRequest request,
                                                   rpc::CallContext& context);
  asio::awaitable<v1::ControlPlaneStatusResponse> control_plane_status(
      v1::ControlPlaneStatusRequest request, rpc::CallContext& context);
  asio::awaitable<v1::UpdateStartingResponse> update_starting(v1::UpdateStartingRequest request,
                                                              rpc::CallContext& context);
  asio::awaitable<v1::UpdateEndedResponse> update_ended(v1::UpdateEndedRequest request,
                                                        rpc::CallContext& context);

private:
  // Tells the control plane (when there is one) the host's status; a failure is logged, not
  // thrown: the update goes on without it.
  asio::awaitable<void> tell_control_plane(api::v1::HostStatus status, std::string message);

  HostPaths paths_;
  const HostConfigStore& config_;
  ControlPlane& control_plane_;
  OperationGate& operations_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

// blockvisor.v1.TestHooksService (bvd --test-hooks only): calls that take as long as a test asks.
void register_test_hooks(rpc::Router& router);

}  // namespace bv::daemon
