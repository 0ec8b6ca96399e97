#include "daemon/image_downloader.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "common/async.hpp"
#include "common/log.hpp"
#include "common/notifier.hpp"
#include "common/worker_pool.hpp"
#include "daemon/resumable_download.hpp"
#include "rpc/error.hpp"

namespace bv::daemon {

namespace fs = std::filesystem;

struct ImageDownloader::Download {
    std::string image;
    LocatedImage where;  // sha256 in lower case
    DownloadPhase phase = DownloadPhase::downloading;
    DownloadCounters counters;
    bool done = false;
    std::optional<Image> result;
    std::exception_ptr error;
    Notifier finished;
};

namespace {

std::string lower_case(std::string text) {
    std::ranges::transform(text, text.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

}  // namespace

ImageDownloader::ImageDownloader(asio::any_io_executor executor, ImageStore& images,
                                 fs::path partial_dir, OwnedTasks& tasks,
                                 ImageDownloaderOptions options)
    : executor_(std::move(executor)),
      images_(images),
      partial_dir_(std::move(partial_dir)),
      tasks_(tasks),
      options_(std::move(options)) {}

ImageDownloader::~ImageDownloader() = default;

std::vector<DownloadProgress> ImageDownloader::in_progress() const {
    std::vector<DownloadProgress> progress;
    for (const auto& [sha256, download] : downloads_) {
        progress.push_back(
            {download->image, download->phase, download->counters.received, download->where.size});
    }
    std::ranges::sort(progress, {}, &DownloadProgress::image);
    return progress;
}

asio::awaitable<Image> ImageDownloader::fetch(std::string image_name, LocatedImage where) {
    try {
        co_return images_.find(image_name);
    } catch (const rpc::Error& error) {
        if (error.code() != rpc::Code::not_found) throw;
    }
    if (!is_sha256_hex(where.sha256) || where.size == 0) {
        throw rpc::Error(rpc::Code::invalid_argument,
                         "image " + image_name + ": the control plane gave no usable size (" +
                             std::to_string(where.size) + ") and SHA-256 ('" + where.sha256 +
                             "') for " + where.url);
    }
    try {
        if (!rpc::parse_http_url(where.url).https)
            throw std::invalid_argument("'" + where.url + "' is not an https URL");
    } catch (const std::invalid_argument& error) {
        throw rpc::Error(rpc::Code::invalid_argument, "image " + image_name + ": " + error.what());
    }
    where.sha256 = lower_case(std::move(where.sha256));
    auto& slot = downloads_[where.sha256];
    if (!slot) {
        slot = std::make_shared<Download>();
        slot->image = image_name;
        slot->where = std::move(where);
        // Not the caller's: it goes on when the caller is cancelled, for whoever else waits.
        tasks_.spawn(executor_, run(slot), [download = slot](std::exception_ptr refused) {
            if (download->done) return;
            download->error = refused;
            download->done = true;
            download->finished.notify_all();
        });
    } else if (slot->image != image_name) {
        throw rpc::Error(rpc::Code::invalid_argument, "image " + image_name + ": its archive " +
                                                          where.url + " has the SHA-256 of image " +
                                                          slot->image +
                                                          "'s, which is being downloaded");
    }
    const auto download = slot;
    while (!download->done) co_await download->finished.wait();
    if (download->error) std::rethrow_exception(download->error);
    co_return *download->result;
}

asio::awaitable<void> ImageDownloader::run(std::shared_ptr<Download> download) {
    try {
        download->result = co_await download_and_install(*download);
    } catch (...) {
        download->error = std::current_exception();
    }
    if (download->error) {
        try {
            std::rethrow_exception(download->error);
        } catch (const std::exception& error) {
            log::warn("image {}: not downloaded from {}: {}", download->image, download->where.url,
                      error.what());
        }
    }
    const auto found = downloads_.find(download->where.sha256);
    if (found != downloads_.end() && found->second == download) downloads_.erase(found);
    download->done = true;
    download->finished.notify_all();
}

asio::awaitable<Image> ImageDownloader::download_and_install(Download& download) {
    const auto& where = download.where;
    const auto partial = partial_dir_ / (where.sha256 + ".part");
    co_await download_resumable("image " + download.image,
                                {where.url, where.size, where.sha256, where.headers, where.tls}, partial, options_,
                                download.counters);
    log::info("image {}: unpacking", download.image);

    download.phase = DownloadPhase::unpacking;
    const auto staging = images_.staging_directory();
    std::string refusal;
    host::UnpackedArchive unpacked;
    try {
        unpacked = co_await run_in_worker(
            [&] {
                return host::unpack_image_archive(partial, staging, options_.unpack_limits);
            },
            Work::bulk);
    } catch (const host::ArchiveError& error) {
        refusal = error.what();
    }
    // Unpacked or refused, the archive is of no more use (the same bytes would be refused again).
    co_await run_in_worker([&] {
        std::error_code ignored;
        fs::remove(partial, ignored);
    });
    if (!refusal.empty()) {
        throw rpc::Error(rpc::Code::invalid_argument, "image " + download.image +
                                                          ": the archive from " + where.url +
                                                          " is refused: " + refusal);
    }
    if (unpacked.setid_cleared > 0) {
        log::info("image {}: cleared the setuid/setgid bits of {} files", download.image,
                  unpacked.setid_cleared);
    }
    try {
        auto image = co_await images_.install_staged(staging, download.image);
        log::info("image {}: in the cache ({} entries, {} bytes)", download.image, unpacked.entries,
                  unpacked.bytes);
        co_return image;
    } catch (const rpc::Error& error) {
        if (error.code() != rpc::Code::already_exists) throw;
    }
    // Imported by someone else while it came: theirs is as good.
    log::info("image {}: imported meanwhile; the download is not needed", download.image);
    co_return images_.find(download.image);
}

}  // namespace bv::daemon
