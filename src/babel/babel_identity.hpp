#pragma once

// What babelsup reports of the babel binary it runs (its SHA-256 and version), recorded
// beside the binary so that a start need not hash 7 MB and run `babel --version` again
// (about 5 ms of every node start, measured). The record names the file it describes by
// device, inode, size and modification time: a binary put in place by rename (every install)
// has a new inode, one rewritten in place a new mtime, and either makes the record stale.
// Not ctime: each node's hard link to bvd's bv-node changes the shared inode's ctime.

#include <filesystem>
#include <optional>
#include <string>

namespace bv::babel {

struct BabelIdentity {
    std::string sha256;
    std::string version;
};

// The record of `binary`, if there is one and it describes the file as it is now.
std::optional<BabelIdentity> recorded_identity(const std::filesystem::path& binary);

// Records `identity` for `binary` as the file is now (not synced: a record a power loss tore
// is only computed again). Throws std::system_error naming the path.
void record_identity(const std::filesystem::path& binary, const BabelIdentity& identity);

}  // namespace bv::babel
