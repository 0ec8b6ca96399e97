#include "api/database.hpp"

#include <sqlite3.h>

namespace bv::api {

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db), statement_(nullptr) {
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &statement_, nullptr) != SQLITE_OK) {
        fail("cannot prepare");
    }
}

Statement::~Statement() {
    if (statement_ != nullptr) sqlite3_finalize(statement_);
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), statement_(std::exchange(other.statement_, nullptr)) {}

void Statement::fail(const char* what) const {
    const char* sql = statement_ != nullptr ? sqlite3_sql(statement_) : nullptr;
    throw DatabaseError(std::string("database: ") + what + (sql != nullptr ? std::string(" '") + sql + "'" : "") +
                        ": " + sqlite3_errmsg(db_));
}

void Statement::bind(int index, std::int64_t value) {
    if (sqlite3_bind_int64(statement_, index, value) != SQLITE_OK) fail("cannot bind a parameter of");
}

void Statement::bind(int index, std::string_view value) {
    if (sqlite3_bind_text64(statement_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8) != SQLITE_OK) {
        fail("cannot bind a parameter of");
    }
}

void Statement::bind(int index, Blob value) {
    // A zero-length blob, not NULL, for empty bytes (a NULL data pointer would bind NULL).
    if (sqlite3_bind_blob64(statement_, index, value.bytes.empty() ? "" : value.bytes.data(), value.bytes.size(),
                            SQLITE_TRANSIENT) != SQLITE_OK) {
        fail("cannot bind a parameter of");
    }
}

void Statement::bind(int index, std::nullopt_t) {
    if (sqlite3_bind_null(statement_, index) != SQLITE_OK) fail("cannot bind a parameter of");
}

bool Statement::step() {
    const int result = sqlite3_step(statement_);
    if (result == SQLITE_ROW) return true;
    if (result == SQLITE_DONE) return false;
    fail("cannot run");
}

void Statement::run() {
    while (step()) {
    }
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(statement_, column); }

std::string Statement::text(int column) const {
    const auto* text = sqlite3_column_text(statement_, column);
    return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text),
                                                         static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)));
}

std::string Statement::blob(int column) const {
    const auto* bytes = sqlite3_column_blob(statement_, column);
    return bytes == nullptr ? std::string() : std::string(static_cast<const char*>(bytes),
                                                          static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)));
}

bool Statement::is_null(int column) const { return sqlite3_column_type(statement_, column) == SQLITE_NULL; }

Database::Database(const std::filesystem::path& file) : file_(file) {
    const int opened = sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                       nullptr);
    if (opened != SQLITE_OK) {
        const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(opened);
        sqlite3_close(db_);
        throw DatabaseError("cannot open the database " + file.string() + ": " + message);
    }
    try {
        // WAL: readers never wait for the writer and a commit appends to one file. FULL: every
        // commit is synced to disk before the answer goes out, so what bv-api acknowledged (a
        // command issued, a host provisioned) survives a power cut, not only a kill -9. A commit
        // is then one fsync of the WAL: 0.6 ms on average on the development machine's disk
        // (0.02 ms with synchronous=NORMAL), quick enough for the io_context thread.
        execute_script(
            "PRAGMA journal_mode = WAL;"
            "PRAGMA synchronous = FULL;"
            "PRAGMA foreign_keys = ON;");
        // Only bv-api writes; someone reading the file with the sqlite3 tool must not make it fail.
        sqlite3_busy_timeout(db_, 2000);
    } catch (...) {
        sqlite3_close(db_);
        throw;
    }
}

Database::~Database() { sqlite3_close(db_); }

Statement Database::prepare(std::string_view sql) { return Statement(db_, sql); }

void Database::execute_script(std::string_view sql) {
    const std::string text(sql);
    char* error = nullptr;
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
        const std::string message = error != nullptr ? error : sqlite3_errmsg(db_);
        sqlite3_free(error);
        throw DatabaseError("database " + file_.string() + ": " + message);
    }
}

int Database::changes() const { return sqlite3_changes(db_); }

Transaction::Transaction(Database& db) : db_(db) { db_.execute_script("SAVEPOINT change"); }

Transaction::~Transaction() {
    if (done_) return;
    try {
        db_.execute_script("ROLLBACK TO change; RELEASE change");
    } catch (...) {
        // Nothing more to do: SQLite rolls an unfinished transaction back itself when it can.
    }
}

void Transaction::commit() {
    db_.execute_script("RELEASE change");
    done_ = true;
}

}  // namespace bv::api
