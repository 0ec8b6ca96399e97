#include "api/host_store.hpp"

#include "cli/output.hpp"
#include "common/sha256.hpp"
#include "api/named_record.hpp"
#include "rpc/error.hpp"

namespace bv::api {
namespace {

enum class TokenKind { access = 1, refresh = 2 };

constexpr std::string_view kHostColumns =
    "id, info, provisioned_at_ms, status, status_message, version, status_at_ms, revoked_at_ms";

admin::Host host_row(const Statement& row) {
    admin::Host host;
    host.set_id(row.text(0));
    *host.mutable_info() = message_column<v1::HostInfo>(row, 1);
    host.set_provisioned_at_ms(row.integer(2));
    host.set_status(static_cast<v1::HostStatus>(row.integer(3)));
    host.set_status_message(row.text(4));
    host.set_version(row.text(5));
    host.set_status_at_ms(row.integer(6));
    host.set_revoked(row.integer(7) != 0);
    return host;
}

std::vector<admin::Host> hosts_where(Database& db, std::string_view condition, std::string_view value) {
    auto statement = db.prepare("SELECT " + std::string(kHostColumns) + " FROM hosts " + std::string(condition) +
                                " ORDER BY provisioned_at_ms, id");
    if (!value.empty()) statement.bind(1, value);
    std::vector<admin::Host> hosts;
    while (statement.step()) hosts.push_back(host_row(statement));
    return hosts;
}

void add_token(Database& db, std::string_view token, const std::string& host_id, TokenKind kind,
               std::int64_t expires_at_ms) {
    db.run("INSERT INTO tokens (hash, host_id, kind, expires_at_ms) VALUES (?, ?, ?, ?)", sha256_hex(token), host_id,
           kind, expires_at_ms);
}

rpc::Error unauthenticated(std::string message) { return rpc::Error(rpc::Code::unauthenticated, std::move(message)); }

}  // namespace

void HostStore::add_otp(std::string_view otp, std::int64_t now_ms, std::int64_t expires_at_ms) {
    db_.run("INSERT INTO otps (hash, created_at_ms, expires_at_ms) VALUES (?, ?, ?)", sha256_hex(otp), now_ms,
            expires_at_ms);
}

void HostStore::check_otp(std::string_view otp, std::int64_t now_ms) {
    const auto hash = sha256_hex(otp);
    auto found = db_.query("SELECT expires_at_ms, used_at_ms, host_id FROM otps WHERE hash = ?", hash);
    if (!found.step()) {
        throw unauthenticated("unknown one-time password: make one with 'bv-api otp' and use it within its lifetime");
    }
    if (found.integer(1) != 0) {
        throw unauthenticated("this one-time password was used already (at " + cli::format_timestamp_ms(found.integer(1)) +
                              ", by host " + found.text(2) + "): make a new one with 'bv-api otp'");
    }
    if (found.integer(0) <= now_ms) {
        throw unauthenticated("this one-time password expired at " + cli::format_timestamp_ms(found.integer(0)) +
                              ": make a new one with 'bv-api otp'");
    }
}

admin::Host HostStore::provision(std::string_view otp, const std::string& host_id, const v1::HostInfo& info,
                                 const HostTokens& tokens, std::int64_t now_ms) {
    Transaction transaction(db_);
    check_otp(otp, now_ms);
    const auto hash = sha256_hex(otp);
    db_.run("UPDATE otps SET used_at_ms = ?, host_id = ? WHERE hash = ?", now_ms, host_id, hash);
    db_.run("INSERT INTO hosts (id, name, info, provisioned_at_ms) VALUES (?, ?, ?, ?)", host_id, info.name(),
            Blob{info.SerializeAsString()}, now_ms);
    add_token(db_, tokens.access_token, host_id, TokenKind::access, tokens.access_expires_at_ms);
    add_token(db_, tokens.refresh_token, host_id, TokenKind::refresh, 0);
    auto host = find(host_id);
    transaction.commit();
    return *host;
}

std::string HostStore::authenticate(std::string_view access_token, std::int64_t now_ms) {
    auto found = db_.query("SELECT host_id, expires_at_ms, revoked FROM tokens WHERE hash = ? AND kind = ?",
                           sha256_hex(access_token), TokenKind::access);
    if (!found.step()) throw unauthenticated("unknown access token: refresh it (AuthService.Refresh)");
    if (found.integer(2) != 0) {
        throw unauthenticated("the host's tokens were revoked: provision it again with a new one-time password");
    }
    if (found.integer(1) <= now_ms) {
        throw unauthenticated("the access token expired at " + cli::format_timestamp_ms(found.integer(1)) +
                              ": refresh it (AuthService.Refresh)");
    }
    return found.text(0);
}

std::string HostStore::refresh(std::string_view refresh_token, std::string_view new_access_token,
                               std::int64_t new_access_expires_at_ms, std::int64_t now_ms) {
    Transaction transaction(db_);
    auto found = db_.query("SELECT host_id, revoked FROM tokens WHERE hash = ? AND kind = ?", sha256_hex(refresh_token),
                           TokenKind::refresh);
    if (!found.step()) {
        throw unauthenticated("unknown refresh token: provision the host again with a new one-time password");
    }
    if (found.integer(1) != 0) {
        throw unauthenticated("the host's tokens were revoked: provision it again with a new one-time password");
    }
    const auto host_id = found.text(0);
    db_.run("DELETE FROM tokens WHERE host_id = ? AND kind = ? AND expires_at_ms <= ?", host_id, TokenKind::access,
            now_ms);
    add_token(db_, new_access_token, host_id, TokenKind::access, new_access_expires_at_ms);
    transaction.commit();
    return host_id;
}

void HostStore::revoke(const std::string& host_id, std::int64_t now_ms) {
    Transaction transaction(db_);
    db_.run("UPDATE tokens SET revoked = 1 WHERE host_id = ?", host_id);
    db_.run("UPDATE hosts SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms = 0", now_ms, host_id);
    transaction.commit();
}

bool HostStore::is_revoked(const std::string& host_id) {
    auto found = db_.query("SELECT revoked_at_ms FROM hosts WHERE id = ?", host_id);
    return found.step() && found.integer(0) != 0;
}

std::optional<admin::Host> HostStore::find(std::string_view id) {
    auto hosts = hosts_where(db_, "WHERE id = ?", id);
    if (hosts.empty()) return std::nullopt;
    return std::move(hosts.front());
}

admin::Host HostStore::resolve(std::string_view id_or_name) {
    return one_named("host", id_or_name, find(id_or_name), hosts_where(db_, "WHERE name = ?", id_or_name));
}

std::vector<admin::Host> HostStore::list() { return hosts_where(db_, "", ""); }

void HostStore::update_status(const std::string& host_id, v1::HostStatus status, std::string_view message,
                              std::string_view version, std::int64_t now_ms) {
    db_.run("UPDATE hosts SET status = ?, status_message = ?, version = ?, status_at_ms = ? WHERE id = ?", status,
            message, version, now_ms, host_id);
}

void HostStore::update_info(const std::string& host_id, const v1::HostInfo& info) {
    db_.run("UPDATE hosts SET name = ?, info = ? WHERE id = ?", info.name(), Blob{info.SerializeAsString()}, host_id);
}

}  // namespace bv::api
