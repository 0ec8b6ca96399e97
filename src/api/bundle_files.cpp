#include "api/bundle_files.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <memory>

#include "api/image_files.hpp"
#include "common/files.hpp"
#include "common/sha256.hpp"
#include "daemon/node_names.hpp"
#include "install/bundle.hpp"
#include "rpc/error.hpp"

namespace bv::api {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxManifestBytes = 1 << 20;

rpc::Error not_a_bundle(const fs::path& bundle, const std::string& why) {
    return rpc::Error(rpc::Code::invalid_argument,
                      bundle.string() + " is not a BlockVisor bundle (make one with scripts/bundle): " + why);
}

std::string manifest_of(const fs::path& bundle) {
    const std::unique_ptr<archive, decltype(&archive_read_free)> reader(archive_read_new(), archive_read_free);
    archive_read_support_format_tar(reader.get());
    archive_read_support_filter_gzip(reader.get());
    archive_read_support_filter_zstd(reader.get());
    if (archive_read_open_filename(reader.get(), bundle.c_str(), 1 << 16) != ARCHIVE_OK) {
        throw not_a_bundle(bundle, archive_error_string(reader.get()));
    }
    archive_entry* entry = nullptr;
    for (;;) {
        const int status = archive_read_next_header(reader.get(), &entry);
        if (status == ARCHIVE_EOF) throw not_a_bundle(bundle, "it holds no manifest.json");
        if (status != ARCHIVE_OK) throw not_a_bundle(bundle, archive_error_string(reader.get()));
        const std::string_view name = archive_entry_pathname(entry);
        if (name != "manifest.json" && name != "./manifest.json") continue;
        if (archive_entry_size(entry) > static_cast<la_int64_t>(kMaxManifestBytes)) {
            throw not_a_bundle(bundle, "its manifest.json is larger than 1 MiB");
        }
        std::string content(static_cast<std::size_t>(archive_entry_size(entry)), '\0');
        const auto read = archive_read_data(reader.get(), content.data(), content.size());
        if (read < 0 || static_cast<std::size_t>(read) != content.size()) {
            throw not_a_bundle(bundle, "its manifest.json cannot be read");
        }
        return content;
    }
}

}  // namespace

std::string read_bundle_version(const fs::path& bundle) {
    const auto manifest = manifest_of(bundle);
    try {
        return install::parse_manifest(manifest).version;
    } catch (const std::runtime_error& error) {
        throw not_a_bundle(bundle, std::string("its manifest.json: ") + error.what());
    }
}

admin::StoredBundle store_bundle(const fs::path& bundle, const fs::path& bundles_dir, std::int64_t now_ms) {
    const auto version = read_bundle_version(bundle);
    fs::create_directories(bundles_dir);
    const auto partial = bundles_dir / (std::string(kPartialArchivePrefix) + daemon::new_node_id());
    try {
        copy_file_exactly(bundle, partial);
        sync_file(partial);
        admin::StoredBundle stored;
        stored.set_file("blockvisor-" + version + ".tar.gz");
        auto& record = *stored.mutable_bundle();
        record.set_version(version);
        record.set_sha256(sha256_file(partial));
        record.set_size(fs::file_size(partial));
        record.set_published_at_ms(now_ms);
        fs::rename(partial, bundles_dir / stored.file());
        sync_directory(bundles_dir);
        return stored;
    } catch (...) {
        std::error_code ignored;
        fs::remove(partial, ignored);
        throw;
    }
}

}  // namespace bv::api
