#include "api/authentication.hpp"

#include "api/secrets.hpp"
#include "rpc/error.hpp"
#include "rpc/protocol.hpp"

namespace bv::api {

std::string_view bearer_token(const rpc::CallContext& context) {
    const auto header = context.header("authorization");
    constexpr std::string_view kScheme = "bearer ";
    if (header.size() <= kScheme.size() || rpc::ascii_lowercase(header.substr(0, kScheme.size())) != kScheme) {
        throw rpc::Error(rpc::Code::unauthenticated, "the call carries no 'Authorization: Bearer <token>' header");
    }
    return header.substr(kScheme.size());
}

std::string authenticate_host(HostStore& hosts, const rpc::CallContext& context, std::string_view claimed_host_id,
                              std::int64_t now_ms) {
    auto host_id = hosts.authenticate(bearer_token(context), now_ms);
    if (!claimed_host_id.empty() && claimed_host_id != host_id) {
        throw rpc::Error(rpc::Code::permission_denied, "the access token is host " + host_id + "'s, not host " +
                                                           std::string(claimed_host_id) + "'s");
    }
    return host_id;
}

void authenticate_admin(const rpc::CallContext& context, std::string_view admin_token) {
    if (!secrets_equal(bearer_token(context), admin_token)) {
        throw rpc::Error(rpc::Code::unauthenticated, "wrong admin token: admin calls carry the token in DATA_DIR/admin-token");
    }
}

}  // namespace bv::api
