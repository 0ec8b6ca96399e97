#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>

#include "api/messages.hpp"

namespace bv::api {

// Packs an image directory (babel.toml and rootfs/) into DATA_DIR/files/images/, named after the
// image and the start of its SHA-256: written under a temporary name, synced and renamed, so that
// no final name ever holds half an archive. Returns the record to keep (url left empty). Blocking
// (seconds for a large rootfs): run it on a worker thread. Throws rpc::Error(invalid_argument)
// for a directory that is not an image, std::runtime_error when packing fails.
admin::Image pack_image(const std::filesystem::path& image_dir, const std::filesystem::path& files_dir,
                        std::int64_t now_ms);

// Removes from DATA_DIR/files/images/ the temporary archives of packs cut short, and the archives
// no image record names (packed, then bv-api stopped before recording them). Returns how many.
int remove_unrecorded_archives(const std::filesystem::path& files_dir, const std::set<std::string>& recorded_files);
// The same for the files under `parent`/`subdirectory` (bundles: DATA_DIR and "bundles"), with
// `recorded_files` as "subdirectory/name".
int remove_unrecorded_archives(const std::filesystem::path& parent, std::string_view subdirectory,
                               const std::set<std::string>& recorded_files);

// The name prefix of an archive being written (removed at start when one is left).
inline constexpr std::string_view kPartialArchivePrefix = ".packing-";

}  // namespace bv::api
