#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/owned_tasks.hpp"
#include "daemon/image_store.hpp"
#include "daemon/resumable_download.hpp"
#include "host/image_archive.hpp"
#include "rpc/http_client.hpp"

namespace bv::daemon {

// Where an image that is not in the cache can be downloaded: what the control plane's
// ImageService.Locate answers (blockvisor.api.v1).
struct LocatedImage {
    std::string url;  // https://...
    std::uint64_t size = 0;
    std::string sha256;  // hex, of the archive
    // Sent with the GET (a bearer token, if the server wants one).
    std::vector<rpc::HttpHeader> headers;
    // Verifies the server; null: ImageDownloaderOptions::tls.
    std::shared_ptr<const rpc::TlsClient> tls;
};

// Downloads as DownloadOptions says (daemon/resumable_download.hpp), then unpacking within limits.
struct ImageDownloaderOptions : DownloadOptions {
    host::UnpackLimits unpack_limits;
};

enum class DownloadPhase { downloading, unpacking };

struct DownloadProgress {
    std::string image;
    DownloadPhase phase = DownloadPhase::downloading;
    std::uint64_t received_bytes = 0;
    std::uint64_t total_bytes = 0;
};

// Fetches images that are not in the cache: the archive over HTTPS into
// `partial_dir`/<sha256>.part (resumed with Range after an interruption, even after a
// restart of bvd), its size and SHA-256 checked, unpacked (host/image_archive.hpp: refusing
// what could reach out of the image) and moved into the cache. Requests for the same archive
// share one download.
class ImageDownloader {
public:
    // Downloads run in `tasks`, which the daemon finishes before this goes (a cancelled
    // download keeps its partial file for the next fetch).
    ImageDownloader(asio::any_io_executor executor, ImageStore& images,
                    std::filesystem::path partial_dir, OwnedTasks& tasks,
                    ImageDownloaderOptions options = {});
    ~ImageDownloader();

    // The image `image_name` ("protocol/node_type/version"): from the cache when it is there,
    // else downloaded from `where`. Throws rpc::Error: data_loss (wrong size or SHA-256: the
    // file is deleted), invalid_argument (an archive refused, or of another image),
    // unavailable or deadline_exceeded (the server, after every attempt: what came is kept),
    // not_found, permission_denied, unauthenticated (the server's answer).
    asio::awaitable<Image> fetch(std::string image_name, LocatedImage where);

    // The downloads in flight, by image name.
    std::vector<DownloadProgress> in_progress() const;

    struct Download;

private:
    asio::awaitable<void> run(std::shared_ptr<Download> download);
    asio::awaitable<Image> download_and_install(Download& download);

    asio::any_io_executor executor_;
    ImageStore& images_;
    std::filesystem::path partial_dir_;
    OwnedTasks& tasks_;
    ImageDownloaderOptions options_;
    std::map<std::string, std::shared_ptr<Download>> downloads_;  // by SHA-256
};

}  // namespace bv::daemon
