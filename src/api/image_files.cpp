#include "api/image_files.hpp"

#include "common/files.hpp"
#include "common/log.hpp"
#include "daemon/image_store.hpp"
#include "daemon/node_names.hpp"
#include "host/image_archive.hpp"

namespace bv::api {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kImagesSubdirectory = "images";

// "litecoin/node/0.21.2.1" -> "litecoin-node-0.21.2.1": a plain file name, readable.
std::string file_stem(const std::string& image_name) {
    std::string stem;
    for (const char c : image_name) {
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                           c == '_' || c == '+' || c == '-';
        stem.push_back(plain ? c : '-');
    }
    return stem;
}

}  // namespace

admin::Image pack_image(const fs::path& image_dir, const fs::path& files_dir, std::int64_t now_ms) {
    const auto image = daemon::read_image(image_dir);
    const auto directory = files_dir / kImagesSubdirectory;
    fs::create_directories(directory);
    const auto partial = directory / (std::string(kPartialArchivePrefix) + daemon::new_node_id());
    try {
        // The archive format bvd unpacks (docs/images.md), with its links made acceptable there.
        const auto packed = host::pack_image_archive(image_dir, partial);
        sync_file(partial);
        admin::Image record;
        record.set_name(image.name);
        record.set_sha256(packed.sha256);
        record.set_size(packed.size);
        const auto file_name = file_stem(image.name) + "-" + record.sha256().substr(0, 12) + ".tar.gz";
        fs::rename(partial, directory / file_name);
        sync_directory(directory);
        record.set_file(std::string(kImagesSubdirectory) + "/" + file_name);
        record.set_added_at_ms(now_ms);
        if (image.config.requirements) {
            auto& requirements = *record.mutable_requirements();
            requirements.set_vcpu_count(image.config.requirements->vcpu_count);
            requirements.set_mem_size_mb(image.config.requirements->mem_size_mb);
            requirements.set_disk_size_gb(image.config.requirements->disk_size_gb);
        }
        return record;
    } catch (...) {
        std::error_code ignored;
        fs::remove(partial, ignored);
        throw;
    }
}

int remove_unrecorded_archives(const fs::path& files_dir, const std::set<std::string>& recorded_files) {
    return remove_unrecorded_archives(files_dir, kImagesSubdirectory, recorded_files);
}

int remove_unrecorded_archives(const fs::path& parent, std::string_view subdirectory,
                               const std::set<std::string>& recorded_files) {
    int removed = 0;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(parent / subdirectory, ec)) {
        const auto relative = std::string(subdirectory) + "/" + entry.path().filename().string();
        if (recorded_files.contains(relative)) continue;
        log::info("removing {}: {}", entry.path().string(),
                  entry.path().filename().string().starts_with(kPartialArchivePrefix) ? "a pack cut short"
                                                                                : "no record names it");
        std::error_code ignored;
        fs::remove_all(entry.path(), ignored);
        ++removed;
    }
    return removed;
}

}  // namespace bv::api
