#include "install/bundle.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <memory>
#include <set>
#include <stdexcept>

#include "archive/archive_unpack.hpp"
#include "archive/entry_path.hpp"
#include "common/files.hpp"
#include "common/sha256.hpp"
#include "install/version.hpp"

namespace bv::install {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr std::string_view kManifestFile = "manifest.json";
constexpr std::string_view kSignatureFile = "manifest.sig";
constexpr std::size_t kSignatureBytes = 64;
constexpr std::size_t kRawKeyBytes = 32;

using KeyPointer = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using ContextPointer = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

bool is_sha256_hex(std::string_view text) {
    return text.size() == 64 &&
           text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

std::string base64_decoded(std::string_view text) {
    std::string compact;
    for (const char c : text) {
        if (c != '\n' && c != '\r' && c != ' ' && c != '\t') compact += c;
    }
    if (compact.empty() || compact.size() % 4 != 0) return {};
    std::string decoded(compact.size() / 4 * 3, '\0');
    const int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                                       reinterpret_cast<const unsigned char*>(compact.data()),
                                       static_cast<int>(compact.size()));
    if (length < 0) return {};
    // EVP_DecodeBlock counts the padding's zero bytes as data.
    std::size_t padding = 0;
    if (compact.ends_with("=="))
        padding = 2;
    else if (compact.ends_with("="))
        padding = 1;
    decoded.resize(static_cast<std::size_t>(length) - padding);
    return decoded;
}

KeyPointer read_public_key(const std::string& key) {
    if (key.find("-----BEGIN") != std::string::npos) {
        std::unique_ptr<BIO, decltype(&BIO_free)> bio(
            BIO_new_mem_buf(key.data(), static_cast<int>(key.size())), BIO_free);
        KeyPointer parsed(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
        if (!parsed || EVP_PKEY_id(parsed.get()) != EVP_PKEY_ED25519) {
            throw std::runtime_error(
                "release_public_keys: a PEM key that is not an Ed25519 public key");
        }
        return parsed;
    }
    const auto raw = base64_decoded(key);
    if (raw.size() != kRawKeyBytes) {
        throw std::runtime_error(
            "release_public_keys: '" + key +
            "' is neither a PEM public key nor base64 of a raw 32-byte Ed25519 key");
    }
    KeyPointer parsed(
        EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                    reinterpret_cast<const unsigned char*>(raw.data()), raw.size()),
        EVP_PKEY_free);
    if (!parsed)
        throw std::runtime_error("release_public_keys: '" + key + "' is not an Ed25519 public key");
    return parsed;
}

bool verifies(EVP_PKEY* key, std::string_view message, std::string_view signature) {
    ContextPointer context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!context || EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, key) != 1) {
        throw std::runtime_error("cannot start an Ed25519 verification (OpenSSL)");
    }
    return EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(),
                            reinterpret_cast<const unsigned char*>(message.data()),
                            message.size()) == 1;
}

// What a bundle may hold: plain files and directories at normalised paths (which ones is
// the manifest's business, checked after unpacking).
void check_bundle_entry(const std::string& path, archives::EntryKind kind,
                        const std::string& named) {
    if (path.empty() && kind != archives::EntryKind::directory) {
        throw archives::ArchiveError(named + ": must be a directory");
    }
}

void check_bundle_shape() {
    struct stat status {};
    if (::lstat(std::string(kManifestFile).c_str(), &status) != 0 || !S_ISREG(status.st_mode)) {
        throw archives::ArchiveError("not a bundle: it has no manifest.json");
    }
    if (::lstat(std::string(kSignatureFile).c_str(), &status) != 0 || !S_ISREG(status.st_mode)) {
        throw archives::ArchiveError("an unsigned bundle: it has no manifest.sig");
    }
}

const archives::ArchiveRules& bundle_rules() {
    static const archives::ArchiveRules rules{
        .what = "bundle",
        .entry_path = archives::normalised_entry_path,
        .check_entry = check_bundle_entry,
        .check_symlink_target = {},
        .hard_link_prefix = std::nullopt,
        .special_files_reason = " (a bundle holds plain files only)",
        .check_shape = check_bundle_shape,
    };
    return rules;
}

constexpr archives::UnpackLimits kBundleLimits{
    .max_total_bytes = 2ULL << 30,
    .max_entry_bytes = 1ULL << 30,
    .max_entries = 256,
};

// The regular files below `directory`, as paths relative to it.
std::set<std::string> files_below(const fs::path& directory) {
    std::set<std::string> files;
    for (const auto& entry : fs::recursive_directory_iterator(directory)) {
        if (entry.is_regular_file())
            files.insert(entry.path().lexically_relative(directory).generic_string());
    }
    return files;
}

}  // namespace

Manifest parse_manifest(std::string_view text) {
    json::value document;
    try {
        document = json::parse(text);
    } catch (const std::exception& error) {
        throw std::runtime_error(std::string("manifest.json is not JSON: ") + error.what());
    }
    const auto* object = document.if_object();
    const auto* version = object ? object->if_contains("version") : nullptr;
    const auto* files = object ? object->if_contains("files") : nullptr;
    if (!version || !version->is_string())
        throw std::runtime_error("manifest.json has no \"version\" string");
    if (!files || !files->is_object())
        throw std::runtime_error("manifest.json has no \"files\" object");
    Manifest manifest;
    manifest.version = std::string(version->get_string());
    if (!Version::parse(manifest.version)) {
        throw std::runtime_error("manifest.json: version '" + manifest.version +
                                 "' is not MAJOR.MINOR.PATCH (e.g. 1.2.3)");
    }
    for (const auto& [key, value] : files->get_object()) {
        const std::string path(key);
        std::string normalised;
        try {
            normalised = archives::normalised_entry_path(path);
        } catch (const std::exception& error) {
            throw std::runtime_error("manifest.json: file " + std::string(error.what()));
        }
        if (normalised != path || path == kManifestFile || path == kSignatureFile) {
            throw std::runtime_error("manifest.json: file '" + path +
                                     "' is not a plain path of a bundle's file");
        }
        if (!value.is_string() || !is_sha256_hex(value.get_string())) {
            throw std::runtime_error("manifest.json: the checksum of '" + path +
                                     "' is not 64 lower-case hex digits");
        }
        manifest.sha256_of[path] = std::string(value.get_string());
    }
    if (!manifest.sha256_of.contains("bin/blockvisor"))
        throw std::runtime_error("manifest.json does not list bin/blockvisor");
    return manifest;
}

std::string manifest_json(const Manifest& manifest) {
    json::object files;
    for (const auto& [path, sha256] : manifest.sha256_of) files[path] = sha256;
    json::object document;
    document["version"] = manifest.version;
    document["files"] = std::move(files);
    return json::serialize(document) + "\n";
}

bool signed_by_trusted_key(std::string_view message, std::string_view signature,
                           const std::vector<std::string>& trusted_keys) {
    if (signature.size() != kSignatureBytes) return false;
    for (const auto& key : trusted_keys) {
        const auto parsed = read_public_key(key);
        if (verifies(parsed.get(), message, signature)) return true;
    }
    return false;
}

namespace {

constexpr std::string_view kLocalBackupMarker = "local-backup";

// The files of `directory` are exactly the manifest's, with its checksums.
void verify_files(const fs::path& directory, const Manifest& manifest) {
    auto present = files_below(directory);
    present.erase(std::string(kManifestFile));
    present.erase(std::string(kSignatureFile));
    present.erase(std::string(kLocalBackupMarker));
    for (const auto& [path, expected] : manifest.sha256_of) {
        if (!present.erase(path))
            throw std::runtime_error("'" + path + "' is in manifest.json but not in the bundle");
        const auto actual = sha256_file(directory / path);
        if (actual != expected) {
            throw std::runtime_error("'" + path + "' has the checksum " + actual +
                                     ", manifest.json says " + expected);
        }
    }
    if (!present.empty())
        throw std::runtime_error("'" + *present.begin() +
                                 "' is in the bundle but not in manifest.json");
}

}  // namespace

Manifest verify_unpacked_bundle(const fs::path& directory,
                                const std::vector<std::string>& trusted_keys) {
    if (trusted_keys.empty()) {
        throw std::runtime_error(
            "no release key is trusted (set release_public_keys in the host config)");
    }
    const auto manifest_bytes = read_file(directory / kManifestFile);
    const auto signature = read_file_if_exists(directory / kSignatureFile);
    if (!signature) throw std::runtime_error("an unsigned bundle: it has no manifest.sig");
    if (!signed_by_trusted_key(manifest_bytes, *signature, trusted_keys)) {
        throw std::runtime_error(
            "manifest.sig is not a signature of manifest.json by a trusted release key "
            "(release_public_keys in the host config)");
    }
    auto manifest = parse_manifest(manifest_bytes);
    verify_files(directory, manifest);
    return manifest;
}

Manifest write_local_backup(const fs::path& directory, const std::string& version,
                            const std::map<std::string, fs::path>& files) {
    const auto staging =
        directory.parent_path() / ("." + directory.filename().string() + ".backup");
    std::error_code ec;
    fs::remove_all(staging, ec);
    try {
        Manifest manifest{version, {}};
        for (const auto& [path, source] : files) {
            fs::create_directories((staging / path).parent_path());
            copy_file_exactly(source, staging / path);
            manifest.sha256_of[path] = sha256_file(staging / path);
        }
        write_file_atomically(staging / kManifestFile, manifest_json(manifest));
        write_file_atomically(staging / kLocalBackupMarker,
                              "copied from the running bvd's files: its manifest is not signed\n");
        fs::rename(staging, directory);
        sync_directory(directory.parent_path());
        return manifest;
    } catch (const std::exception& error) {
        fs::remove_all(staging, ec);
        throw std::runtime_error("backing up version " + version + " into " + directory.string() +
                                 ": " + error.what());
    }
}

Manifest verify_installed_version(const fs::path& directory,
                                  const std::vector<std::string>& trusted_keys) {
    if (!fs::exists(directory / kLocalBackupMarker)) {
        return verify_unpacked_bundle(directory, trusted_keys);
    }
    auto manifest = parse_manifest(read_file(directory / kManifestFile));
    verify_files(directory, manifest);
    return manifest;
}

Manifest unpack_bundle(const fs::path& archive, const fs::path& destination_path,
                       const std::vector<std::string>& trusted_keys) {
    const auto destination = fs::absolute(destination_path);
    if (fs::exists(fs::symlink_status(destination))) {
        throw std::runtime_error("cannot unpack the bundle " + archive.string() + " into " +
                                 destination.string() + ": it exists already");
    }
    // Unpacked and checked beside the destination, then renamed: the destination is whole or
    // absent.
    fs::create_directories(destination.parent_path());
    const auto staging =
        destination.parent_path() / ("." + destination.filename().string() + ".unpacking");
    std::error_code ec;
    fs::remove_all(staging, ec);
    try {
        archives::unpack_archive(archive, staging, bundle_rules(), kBundleLimits);
        auto manifest = verify_unpacked_bundle(staging, trusted_keys);
        fs::rename(staging, destination);
        sync_directory(destination.parent_path());
        return manifest;
    } catch (const std::exception& error) {
        fs::remove_all(staging, ec);
        throw std::runtime_error("bundle " + archive.string() + " refused: " + error.what());
    }
}

}  // namespace bv::install
