#pragma once

// The control plane's contract as bvd calls it (proto/blockvisor/api/v1): every procedure
// named once with its message types.

#include "blockvisor/api/v1/auth.pb.h"
#include "blockvisor/api/v1/bundle.pb.h"
#include "blockvisor/api/v1/command.pb.h"
#include "blockvisor/api/v1/host.pb.h"
#include "blockvisor/api/v1/image.pb.h"
#include "blockvisor/api/v1/key.pb.h"
#include "blockvisor/api/v1/metrics.pb.h"
#include "blockvisor/api/v1/node.pb.h"
#include "rpc/procedure.hpp"

namespace bv::daemon::api {

namespace v1 = blockvisor::api::v1;
template <class Request, class Response, bool ServerStreaming = false>
using Procedure = rpc::Procedure<Request, Response, ServerStreaming>;

inline constexpr Procedure<v1::ProvisionRequest, v1::ProvisionResponse> provision{"blockvisor.api.v1.HostService/Provision"};
inline constexpr Procedure<v1::UpdateHostStatusRequest, v1::UpdateHostStatusResponse> update_host_status{
    "blockvisor.api.v1.HostService/UpdateStatus"};
inline constexpr Procedure<v1::RefreshRequest, v1::RefreshResponse> refresh{"blockvisor.api.v1.AuthService/Refresh"};
inline constexpr Procedure<v1::SubscribeRequest, v1::SubscribeResponse, true> subscribe{
    "blockvisor.api.v1.CommandService/Subscribe"};
inline constexpr Procedure<v1::AckCommandRequest, v1::AckCommandResponse> ack{"blockvisor.api.v1.CommandService/Ack"};
inline constexpr Procedure<v1::CompleteCommandRequest, v1::CompleteCommandResponse> complete{
    "blockvisor.api.v1.CommandService/Complete"};
inline constexpr Procedure<v1::UpdateNodeStatusRequest, v1::UpdateNodeStatusResponse> update_node_status{
    "blockvisor.api.v1.NodeService/UpdateStatus"};
inline constexpr Procedure<v1::ListKeysRequest, v1::ListKeysResponse> list_keys{"blockvisor.api.v1.KeyService/List"};
inline constexpr Procedure<v1::SaveKeysRequest, v1::SaveKeysResponse> save_keys{"blockvisor.api.v1.KeyService/Save"};
inline constexpr Procedure<v1::ReportMetricsRequest, v1::ReportMetricsResponse> report_metrics{
    "blockvisor.api.v1.MetricsService/Report"};
inline constexpr Procedure<v1::ListBundlesRequest, v1::ListBundlesResponse> list_bundles{
    "blockvisor.api.v1.BundleService/ListBundles"};
inline constexpr Procedure<v1::LocateImageRequest, v1::LocateImageResponse> locate_image{
    "blockvisor.api.v1.ImageService/Locate"};

}  // namespace bv::daemon::api
