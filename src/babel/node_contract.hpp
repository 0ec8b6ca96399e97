#pragma once

// The node channel's contract, in one place: babelsup's and babel's ports, and every
// procedure bvd calls on them with its message types (proto/blockvisor/babel/v1).

#include <cstdint>

#include "blockvisor/babel/v1/babel.pb.h"
#include "blockvisor/babel/v1/babelsup.pb.h"
#include "rpc/procedure.hpp"

namespace bv::babel {

inline constexpr std::uint32_t kBabelSupPort = 41;
inline constexpr std::uint32_t kBabelPort = 42;

// A procedure served on `port` of the node channel.
template <class Request, class Response, bool ServerStreaming = false>
struct NodeProcedure : rpc::Procedure<Request, Response, ServerStreaming> {
    std::uint32_t port;
};

namespace procedures {

namespace v1 = blockvisor::babel::v1;

template <class Request, class Response, bool ServerStreaming = false>
constexpr NodeProcedure<Request, Response, ServerStreaming> babelsup(const char* name) {
    return {{name}, kBabelSupPort};
}
template <class Request, class Response, bool ServerStreaming = false>
constexpr NodeProcedure<Request, Response, ServerStreaming> babel(const char* name) {
    return {{name}, kBabelPort};
}

// babelsup, the node's PID 1.
inline constexpr auto get_status = babelsup<v1::GetStatusRequest, v1::GetStatusResponse>("blockvisor.babel.v1.BabelSup/GetStatus");
inline constexpr auto setup = babelsup<v1::SetupRequest, v1::SetupResponse>("blockvisor.babel.v1.BabelSup/Setup");
inline constexpr auto upload_babel_chunk =
    babelsup<v1::UploadBabelChunkRequest, v1::UploadBabelChunkResponse>("blockvisor.babel.v1.BabelSup/UploadBabelChunk");
inline constexpr auto install_babel =
    babelsup<v1::InstallBabelRequest, v1::InstallBabelResponse>("blockvisor.babel.v1.BabelSup/InstallBabel");
inline constexpr auto node_logs = babelsup<v1::LogsRequest, v1::LogsResponse, true>("blockvisor.babel.v1.BabelSup/Logs");
inline constexpr auto shutdown = babelsup<v1::ShutdownRequest, v1::ShutdownResponse>("blockvisor.babel.v1.BabelSup/Shutdown");

// babel, the node's agent.
inline constexpr auto ping = babel<v1::PingRequest, v1::PingResponse>("blockvisor.babel.v1.Babel/Ping");
inline constexpr auto version = babel<v1::VersionRequest, v1::VersionResponse>("blockvisor.babel.v1.Babel/Version");
inline constexpr auto list_capabilities =
    babel<v1::ListCapabilitiesRequest, v1::ListCapabilitiesResponse>("blockvisor.babel.v1.Babel/ListCapabilities");
inline constexpr auto run = babel<v1::RunRequest, v1::RunResponse>("blockvisor.babel.v1.Babel/Run");
inline constexpr auto download_keys =
    babel<v1::DownloadKeysRequest, v1::DownloadKeysResponse>("blockvisor.babel.v1.Babel/DownloadKeys");
inline constexpr auto upload_keys = babel<v1::UploadKeysRequest, v1::UploadKeysResponse>("blockvisor.babel.v1.Babel/UploadKeys");
inline constexpr auto init = babel<v1::InitRequest, v1::InitResponse>("blockvisor.babel.v1.Babel/Init");
inline constexpr auto babel_logs = babel<v1::LogsRequest, v1::LogsResponse, true>("blockvisor.babel.v1.Babel/Logs");

}  // namespace procedures
}  // namespace bv::babel
