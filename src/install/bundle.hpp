#pragma once

// A release bundle (docs/self-update.md): blockvisor-<version>.tar.gz holding
//   bin/blockvisor, bin/bv-node, blockvisor.service   the files of the release
//   manifest.json   {"version": "1.2.3", "files": {"bin/blockvisor": "<sha256 hex>", ...}}
//   manifest.sig    the Ed25519 signature of manifest.json's bytes: 64 raw bytes
// signed by a release key; hosts trust the public keys of their config's
// `release_public_keys` (base64 of the raw 32-byte key, or PEM).

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace bv::install {

struct Manifest {
    std::string version;
    std::map<std::string, std::string> sha256_of;  // path in the bundle -> lower-case hex
};

// Parses manifest.json; throws std::runtime_error saying what is wrong (not JSON, no version,
// a version that is not MAJOR.MINOR.PATCH, a file path that is absolute or climbs, a checksum
// that is not 64 hex digits, no bin/blockvisor).
Manifest parse_manifest(std::string_view json);
// The manifest.json bytes for `manifest` (what scripts/bundle writes).
std::string manifest_json(const Manifest& manifest);

// True when `signature` (64 raw bytes) is a valid Ed25519 signature of `message` by one of
// `trusted_keys` (each base64 of the raw 32 bytes, or a PEM public key). Throws
// std::runtime_error for a key that cannot be read (a config error, not a bad bundle).
bool signed_by_trusted_key(std::string_view message, std::string_view signature,
                           const std::vector<std::string>& trusted_keys);

// Checks the archive (the hostile-archive rules of images: no absolute paths, no "..", no
// links, no devices, limits), the signature of manifest.json against `trusted_keys`, that the
// bundle holds exactly the manifest's files with their checksums, and unpacks it into
// `destination` (which must not exist; it appears whole, by a rename, or not at all). Throws
// std::runtime_error saying what was wrong.
Manifest unpack_bundle(const std::filesystem::path& archive,
                       const std::filesystem::path& destination,
                       const std::vector<std::string>& trusted_keys);

// Reads and checks an unpacked bundle directory again (signature and checksums): the installer
// does this before it switches to a version.
Manifest verify_unpacked_bundle(const std::filesystem::path& directory,
                                const std::vector<std::string>& trusted_keys);

// A version directory made on this host from the running bvd's own files, when the running
// version was not installed from a bundle (bv-installer's back_up): `files` (path in the
// directory -> source) copied, a manifest of their checksums, not signed (they were this
// host's already), and a marker file saying so. Whole or absent, by a rename. Throws
// std::runtime_error naming what failed (a full disk: "No space left on device").
Manifest write_local_backup(const std::filesystem::path& directory, const std::string& version,
                            const std::map<std::string, std::filesystem::path>& files);

// verify_unpacked_bundle, or the checksums only for a directory write_local_backup made.
Manifest verify_installed_version(const std::filesystem::path& directory,
                                  const std::vector<std::string>& trusted_keys);

}  // namespace bv::install
