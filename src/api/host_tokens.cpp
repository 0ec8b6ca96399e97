#include "api/host_tokens.hpp"

#include "api/secrets.hpp"

namespace bv::api {

HostTokens issue_host_tokens(const ServiceSettings& settings, std::int64_t now_ms) {
    return {random_token(),
            now_ms + std::chrono::duration_cast<std::chrono::milliseconds>(settings.access_token_ttl).count(),
            random_token()};
}

v1::Tokens to_message(const HostTokens& tokens) {
    v1::Tokens message;
    message.set_access_token(tokens.access_token);
    message.set_access_token_expires_at_ms(tokens.access_expires_at_ms);
    message.set_refresh_token(tokens.refresh_token);
    return message;
}

}  // namespace bv::api
