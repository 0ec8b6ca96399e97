#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "api/messages.hpp"

namespace bv::api {

// The version a bundle's manifest.json names (`{"version": "1.2.3", ...}`). bv-api checks no
// signature (hosts do, against their own release keys); it only needs to know what it serves.
// Throws rpc::Error(invalid_argument) for a file that is not a bundle (not a gzip or zstd tar,
// no manifest.json, or one install::parse_manifest refuses).
std::string read_bundle_version(const std::filesystem::path& bundle);

// Copies a bundle file into `bundles_dir` as blockvisor-<version>.tar.gz: written under a
// temporary name, synced and renamed, so that no final name ever holds half a bundle. Returns
// the record to keep (url left empty). Blocking: run it on a worker thread. Throws rpc::Error
// (invalid_argument) for a file that is not a bundle, std::runtime_error when the copy fails.
admin::StoredBundle store_bundle(const std::filesystem::path& bundle, const std::filesystem::path& bundles_dir,
                                 std::int64_t now_ms);

}  // namespace bv::api
