#pragma once

// bvd's own HostService (proto/blockvisor/v1/host.proto) as its callers and bvd itself name
// it: the CLI's status, bv-installer's health checks and update notices.

#include "blockvisor/v1/host.pb.h"
#include "rpc/procedure.hpp"

namespace bv::daemon::host_api {

namespace v1 = blockvisor::v1;

inline constexpr rpc::Procedure<v1::HealthRequest, v1::HealthResponse> health{
    "blockvisor.v1.HostService/Health"};
inline constexpr rpc::Procedure<v1::UpdateStartingRequest, v1::UpdateStartingResponse>
    update_starting{"blockvisor.v1.HostService/UpdateStarting"};
inline constexpr rpc::Procedure<v1::UpdateEndedRequest, v1::UpdateEndedResponse> update_ended{
    "blockvisor.v1.HostService/UpdateEnded"};

}  // namespace bv::daemon::host_api
