#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace bv {

// Replaces `path` with `content` so that a crash at any point leaves either the old or the
// new file, never a torn one: temporary file in the same directory, fsync, rename, fsync of
// the directory. Throws std::system_error naming the path.
void write_file_atomically(const std::filesystem::path& path, std::string_view content, mode_t mode = 0644);

// The whole file. Throws std::system_error naming the path.
std::string read_file(const std::filesystem::path& path);
// nullopt when the file does not exist; throws for other failures.
std::optional<std::string> read_file_if_exists(const std::filesystem::path& path);

// fsync of a directory, so that a rename or a new entry in it survives a crash.
void sync_directory(const std::filesystem::path& directory);

}  // namespace bv
