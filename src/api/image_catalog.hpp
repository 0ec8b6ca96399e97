#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/database.hpp"
#include "api/messages.hpp"

namespace bv::api {

// The node images bv-api serves: name, archive file (relative to DATA_DIR/files), size and SHA-256.
// Images are immutable: a name is added once.
class ImageCatalog {
public:
    explicit ImageCatalog(Database& db) : db_(db) {}

    // Throws rpc::Error(already_exists) when the name is taken.
    void add(const admin::Image& image);
    void check_absent(std::string_view name);
    // The stored fields; `url` is left for the caller (it depends on the server's public URL).
    std::optional<admin::Image> find(std::string_view name);
    // By name.
    std::vector<admin::Image> list();

private:
    Database& db_;
};

}  // namespace bv::api
