#pragma once

// A thin layer over SQLite for bv-api's store: a database opened the same way every time, statements
// with their parameters bound in one call, and transactions that roll back unless committed.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

struct sqlite3;
struct sqlite3_stmt;

namespace bv::api {

// A failure of SQLite itself (disk full, a corrupt file), with SQLite's message.
class DatabaseError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Bytes for a BLOB column (a string parameter binds as TEXT).
struct Blob {
    std::string_view bytes;
};

class Statement {
public:
    Statement(sqlite3* db, std::string_view sql);
    ~Statement();
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&&) = delete;
    Statement(const Statement&) = delete;

    // Parameters are numbered from 1, in the order of the `?` in the SQL.
    void bind(int index, std::int64_t value);
    void bind(int index, std::string_view value);
    void bind(int index, Blob value);
    void bind(int index, std::nullopt_t);
    // Every parameter at once: query(db, "... ? ... ?", a, b).
    template <class... Values>
    void bind_all(const Values&... values) {
        int index = 0;
        (bind_one(++index, values), ...);
    }

    // The next row: false when there is none left.
    bool step();
    // Runs a statement that returns no rows.
    void run();

    std::int64_t integer(int column) const;
    std::string text(int column) const;
    std::string blob(int column) const;
    bool is_null(int column) const;

private:
    template <class Value>
    void bind_one(int index, const Value& value) {
        if constexpr (std::is_integral_v<Value> || std::is_enum_v<Value>) {
            bind(index, static_cast<std::int64_t>(value));
        } else {
            bind(index, value);
        }
    }
    [[noreturn]] void fail(const char* what) const;

    sqlite3* db_;
    sqlite3_stmt* statement_;
};

class Database {
public:
    // Opens (creating it when missing) in WAL mode with synchronous=FULL: a committed change
    // survives a crash of the process and of the machine. Throws DatabaseError naming the file.
    explicit Database(const std::filesystem::path& file);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    Statement prepare(std::string_view sql);
    template <class... Values>
    Statement query(std::string_view sql, const Values&... values) {
        auto statement = prepare(sql);
        statement.bind_all(values...);
        return statement;
    }
    // One statement that returns no rows; returns how many rows it changed.
    template <class... Values>
    int run(std::string_view sql, const Values&... values) {
        query(sql, values...).run();
        return changes();
    }
    // Statements without parameters, separated by semicolons.
    void execute_script(std::string_view sql);
    int changes() const;

    const std::filesystem::path& file() const { return file_; }

private:
    sqlite3* db_ = nullptr;
    std::filesystem::path file_;
};

// A change of several statements that happens whole or not at all: rolled back when the object
// goes away without commit() (an exception on the way). Nests (SQLite savepoints): an operation
// that is one transaction on its own becomes part of its caller's.
class Transaction {
public:
    explicit Transaction(Database& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Database& db_;
    bool done_ = false;
};

}  // namespace bv::api
