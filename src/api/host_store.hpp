#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/database.hpp"
#include "api/messages.hpp"

namespace bv::api {

// A host's credentials as the store receives them: the secrets themselves, which it keeps only as
// their SHA-256 (a copy of the database gives nobody a usable token).
struct HostTokens {
    std::string access_token;
    std::int64_t access_expires_at_ms = 0;
    std::string refresh_token;  // does not expire; revoked with the host
};

// The hosts, the one-time passwords that register them and the tokens they call with. Every
// method that changes something is one transaction.
class HostStore {
public:
    explicit HostStore(Database& db) : db_(db) {}

    void add_otp(std::string_view otp, std::int64_t now_ms, std::int64_t expires_at_ms);
    // Throws rpc::Error(unauthenticated) unless the password is known, unused and not expired;
    // uses nothing up (the provisioning script downloads its bundle with it, then provisions).
    void check_otp(std::string_view otp, std::int64_t now_ms);
    // Uses up a valid one-time password: adds the host and its first tokens. Throws
    // rpc::Error(unauthenticated) for a password that is unknown, used or expired.
    admin::Host provision(std::string_view otp, const std::string& host_id, const v1::HostInfo& info,
                          const HostTokens& tokens, std::int64_t now_ms);

    // The id of the host whose valid access token this is. Throws rpc::Error(unauthenticated) for
    // a token that is unknown, expired or revoked.
    std::string authenticate(std::string_view access_token, std::int64_t now_ms);
    // Adds `new_access_token` for the host of a valid refresh token, and forgets its access tokens
    // that have expired; returns the host id. Throws rpc::Error(unauthenticated).
    std::string refresh(std::string_view refresh_token, std::string_view new_access_token,
                        std::int64_t new_access_expires_at_ms, std::int64_t now_ms);
    // Every token of the host stops working, for good.
    void revoke(const std::string& host_id, std::int64_t now_ms);
    bool is_revoked(const std::string& host_id);

    std::optional<admin::Host> find(std::string_view id);
    // By its id, or by a name only one host has. Throws rpc::Error: not_found, or
    // invalid_argument when several hosts have that name.
    admin::Host resolve(std::string_view id_or_name);
    // Oldest first.
    std::vector<admin::Host> list();

    void update_status(const std::string& host_id, v1::HostStatus status, std::string_view message,
                       std::string_view version, std::int64_t now_ms);
    void update_info(const std::string& host_id, const v1::HostInfo& info);

private:
    Database& db_;
};

}  // namespace bv::api
