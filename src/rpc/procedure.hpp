#pragma once

// A procedure of a contract, named once with its message types: servers register handlers
// and clients call through it, so that a misspelt name or a wrong message type fails to
// compile instead of failing at run time.

namespace bv::rpc {

template <class RequestType, class ResponseType, bool ServerStreaming = false>
struct Procedure {
    using Request = RequestType;
    using Response = ResponseType;
    static constexpr bool server_streaming = ServerStreaming;
    const char* name;  // "package.Service/Method"
};

}  // namespace bv::rpc
