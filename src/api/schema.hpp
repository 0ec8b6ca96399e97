#pragma once

#include "api/database.hpp"

namespace bv::api {

// Creates bv-api's tables, or brings an older database up to this version's schema (each step one
// transaction; the version is SQLite's user_version). Throws DatabaseError for a database made by a
// newer bv-api.
void migrate(Database& db);

// The schema version this build creates.
int current_schema_version();

}  // namespace bv::api
