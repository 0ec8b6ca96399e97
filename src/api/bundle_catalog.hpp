#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "api/database.hpp"
#include "api/messages.hpp"

namespace bv::api {

// The BlockVisor bundles bv-api serves for self update: version, file (relative to
// DATA_DIR/bundles), size, SHA-256. Bundles are immutable: a version is published once.
class BundleCatalog {
public:
    explicit BundleCatalog(Database& db) : db_(db) {}

    // Throws rpc::Error(already_exists) when the version is published already.
    void add(const admin::StoredBundle& bundle);
    void check_absent(std::string_view version);
    // `bundle.url` is left for the caller (it depends on the server's public URL).
    std::optional<admin::StoredBundle> find(std::string_view version);
    // Newest version first (by the numbers: 1.10.0 before 1.9.0).
    std::vector<admin::StoredBundle> list();

private:
    Database& db_;
};

}  // namespace bv::api
