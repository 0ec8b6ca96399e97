#pragma once

#include <filesystem>
#include <string>

namespace bv::api {

// Where bv-api keeps everything, under one directory (--data).
struct DataDir {
    std::filesystem::path root;

    std::filesystem::path database() const { return root / "api.db"; }
    std::filesystem::path lock_file() const { return root / "bv-api.lock"; }
    // The admin token (0600), made on first start: admin commands read it.
    std::filesystem::path admin_token() const { return root / "admin-token"; }
    // Where the running server listens (written at start, removed at a clean stop).
    std::filesystem::path server_info() const { return root / "server.json"; }
    std::filesystem::path tls_dir() const { return root / "tls"; }
    std::filesystem::path ca_certificate() const { return tls_dir() / "ca.pem"; }
    // Served at https://HOST:PORT/files/.
    std::filesystem::path files() const { return root / "files"; }
    std::filesystem::path images() const { return files() / "images"; }
    // Self-update bundles, served at https://HOST:PORT/bundles/ to authenticated hosts only.
    std::filesystem::path bundles() const { return root / "bundles"; }
};

// The admin token in `file`, made (random, mode 0600) when the file does not exist.
std::string ensure_admin_token(const std::filesystem::path& file);
// Throws std::runtime_error saying how to get one when the file is missing or unreadable.
std::string read_admin_token(const std::filesystem::path& file);

}  // namespace bv::api
