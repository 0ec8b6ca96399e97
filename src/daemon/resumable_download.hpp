#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "rpc/http_client.hpp"

namespace bv::daemon {

namespace asio = boost::asio;

// A file to download: where, how big, its SHA-256, and how to ask for it.
struct DownloadSource {
    std::string url;  // https://...
    std::uint64_t size = 0;
    std::string sha256;  // lower-case hex
    // Sent with every GET (a bearer token, when the server wants one).
    std::vector<rpc::HttpHeader> headers;
    // Verifies the server; null: DownloadOptions::tls.
    std::shared_ptr<const rpc::TlsClient> tls;
};

struct DownloadOptions {
    // Verifies the servers; null: against the system's CA store.
    std::shared_ptr<const rpc::TlsClient> tls;
    // Until a response's status and headers have come.
    std::chrono::milliseconds answer_timeout{30'000};
    // No byte of the body for this long: the attempt fails (and the next resumes).
    std::chrono::milliseconds stall_timeout{30'000};
    // Attempts per download; each after the first waits retry_delay times its number and
    // resumes with a Range request from what is on disk.
    int attempts = 5;
    std::chrono::milliseconds retry_delay{2'000};
    // Progress is logged at every tenth and at least this often.
    std::chrono::milliseconds log_interval{5'000};
};

// What a download did, for progress views and tests.
struct DownloadCounters {
    std::uint64_t received = 0;  // bytes in the partial file now
    std::uint64_t fetched = 0;   // bytes that came over the network in this download
};

// Downloads `source` into `partial` (created, or resumed from what an earlier download left in
// it, even one of an earlier bvd) with Range requests after an interruption, checking the size
// as it comes and the SHA-256 at the end. Returns once `partial` holds the whole, checked file.
// `label` names the download in the log ("image x/y/1.0", "bundle 1.2.3"). Throws rpc::Error:
// data_loss (wrong size or SHA-256: the file is deleted), unavailable or deadline_exceeded (the
// server, after every attempt: what came is kept), not_found, permission_denied,
// unauthenticated (the server's answer: the file is deleted).
asio::awaitable<void> download_resumable(std::string label, DownloadSource source, std::filesystem::path partial,
                                         DownloadOptions options, DownloadCounters& counters);

// Whether `text` is 64 hex digits.
bool is_sha256_hex(const std::string& text);

}  // namespace bv::daemon
