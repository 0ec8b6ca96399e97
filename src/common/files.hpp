#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace bv {

// What a power loss may leave of a file written atomically. A crash of the writing program
// alone always leaves the old or the new file: the rename is the kernel's. Each fsync costs
// ~0.25 ms here, on a node's start path.
enum class Durability {
    survives_power_loss,  // fsync of the file and of its directory: the new content stays
    cache                 // no fsync: possibly a torn file; only for what is computed again
};

// Replaces `path` with `content` so that a crash at any point leaves either the old or the
// new file, never a torn one: temporary file in the same directory, fsync, rename, fsync of the
// directory (no fsync for Durability::cache). Throws std::system_error naming the path.
void write_file_atomically(const std::filesystem::path& path, std::string_view content, mode_t mode = 0644,
                           Durability durability = Durability::survives_power_loss);

// The whole file. Throws std::system_error naming the path.
std::string read_file(const std::filesystem::path& path);
// nullopt when the file does not exist; throws for other failures.
std::optional<std::string> read_file_if_exists(const std::filesystem::path& path);

// Copies a file's bytes and mode to a new file `to` (refused if it exists). Unlike
// std::filesystem::copy_file, whose libstdc++ turns a full disk into "Input/output error", the
// std::system_error says what failed ("No space left on device"); a partial copy is removed.
void copy_file_exactly(const std::filesystem::path& from, const std::filesystem::path& to);

// Copies a directory tree (directories with their modes, regular files as copy_file_exactly
// does, symbolic links as links) to `to`, which must not exist. Other kinds of file are
// refused. Throws std::system_error with the errno of what stopped it (ENOSPC stays ENOSPC).
void copy_tree_exactly(const std::filesystem::path& from, const std::filesystem::path& to);

// A log appended across runs, kept from growing without bound: when `log` is larger than
// `limit` bytes it becomes `log`.1 (replacing an older one) and the next run starts a new
// one. Throws std::system_error naming the path.
void rotate_log_if_larger(const std::filesystem::path& log, std::uintmax_t limit);

// fsync of a file's data and metadata, before a rename makes it visible under its final name.
void sync_file(const std::filesystem::path& file);
// fsync of a directory, so that a rename or a new entry in it survives a crash.
void sync_directory(const std::filesystem::path& directory);

}  // namespace bv
