#include "api/schema.hpp"

#include <array>
#include <string>

namespace bv::api {
namespace {

// Append only: a database at version N runs the steps after N. Messages in BLOB columns are
// protobuf bytes (blockvisor.api.v1 and blockvisor.api.admin.v1), so that fields added to the
// contract need no migration. Secrets (passwords, tokens) are stored as their SHA-256 only.
constexpr std::array<const char*, 2> kSteps{{
    R"sql(
CREATE TABLE hosts (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    info BLOB NOT NULL,
    provisioned_at_ms INTEGER NOT NULL,
    status INTEGER NOT NULL DEFAULT 0,
    status_message TEXT NOT NULL DEFAULT '',
    version TEXT NOT NULL DEFAULT '',
    status_at_ms INTEGER NOT NULL DEFAULT 0,
    revoked_at_ms INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE otps (
    hash TEXT PRIMARY KEY,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    used_at_ms INTEGER NOT NULL DEFAULT 0,
    host_id TEXT NOT NULL DEFAULT ''
);
CREATE TABLE tokens (
    hash TEXT PRIMARY KEY,
    host_id TEXT NOT NULL REFERENCES hosts(id),
    kind INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tokens_of_host ON tokens(host_id);
CREATE TABLE nodes (
    id TEXT PRIMARY KEY,
    host_id TEXT NOT NULL REFERENCES hosts(id),
    name TEXT NOT NULL,
    image TEXT NOT NULL,
    desired INTEGER NOT NULL,
    spec BLOB NOT NULL,
    created_at_ms INTEGER NOT NULL,
    status INTEGER NOT NULL DEFAULT 0,
    failure TEXT NOT NULL DEFAULT '',
    sequence INTEGER NOT NULL DEFAULT 0,
    status_at_ms INTEGER NOT NULL DEFAULT 0,
    reported BLOB
);
CREATE INDEX nodes_of_host ON nodes(host_id);
CREATE TABLE commands (
    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    host_id TEXT NOT NULL REFERENCES hosts(id),
    node_id TEXT NOT NULL DEFAULT '',
    command BLOB NOT NULL,
    issued_at_ms INTEGER NOT NULL,
    acked_at_ms INTEGER NOT NULL DEFAULT 0,
    completed_at_ms INTEGER NOT NULL DEFAULT 0,
    result BLOB
);
CREATE INDEX undelivered_commands ON commands(host_id, completed_at_ms, sequence);
CREATE TABLE node_keys (
    node_id TEXT NOT NULL,
    name TEXT NOT NULL,
    content BLOB NOT NULL,
    saved_at_ms INTEGER NOT NULL,
    PRIMARY KEY (node_id, name)
);
CREATE TABLE host_metrics (
    host_id TEXT PRIMARY KEY REFERENCES hosts(id),
    report BLOB NOT NULL,
    at_ms INTEGER NOT NULL
);
CREATE TABLE node_metrics (
    node_id TEXT PRIMARY KEY,
    host_id TEXT NOT NULL REFERENCES hosts(id),
    report BLOB NOT NULL,
    at_ms INTEGER NOT NULL
);
CREATE TABLE images (
    name TEXT PRIMARY KEY,
    file TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    added_at_ms INTEGER NOT NULL,
    requirements BLOB NOT NULL
);
)sql",
    // Self update: the bundles bv-api serves (files under DATA_DIR/bundles).
    R"sql(
CREATE TABLE bundles (
    version TEXT PRIMARY KEY,
    file TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    published_at_ms INTEGER NOT NULL
);
)sql",
}};

int user_version(Database& db) {
    auto statement = db.prepare("PRAGMA user_version");
    statement.step();
    return static_cast<int>(statement.integer(0));
}

}  // namespace

int current_schema_version() { return static_cast<int>(kSteps.size()); }

void migrate(Database& db) {
    const int found = user_version(db);
    if (found > current_schema_version()) {
        throw DatabaseError("the database " + db.file().string() + " has schema version " + std::to_string(found) +
                            ", made by a newer bv-api; this one knows up to version " +
                            std::to_string(current_schema_version()) + ": run the newer bv-api");
    }
    for (int version = found; version < current_schema_version(); ++version) {
        Transaction transaction(db);
        db.execute_script(kSteps[static_cast<std::size_t>(version)]);
        db.execute_script("PRAGMA user_version = " + std::to_string(version + 1));
        transaction.commit();
    }
}

}  // namespace bv::api
