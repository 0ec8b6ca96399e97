#include "daemon/resumable_download.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "common/async.hpp"
#include "common/log.hpp"
#include "common/progress_log.hpp"
#include "common/sha256.hpp"
#include "common/worker_pool.hpp"
#include "daemon/download_response.hpp"
#include "rpc/error.hpp"
#include "rpc/tls.hpp"

namespace bv::daemon {

namespace fs = std::filesystem;
using Then = DownloadFailure::Then;

namespace {

constexpr std::size_t kWriteChunk = 1 << 20;

// The file as far as it came: a file and the SHA-256 of what it holds, fed as it grows.
// Blocking: used on a worker.
class PartialFile {
public:
    explicit PartialFile(fs::path path) : path_(std::move(path)) {}
    ~PartialFile() { close(); }
    PartialFile(const PartialFile&) = delete;
    PartialFile& operator=(const PartialFile&) = delete;

    // Opens (or creates) the file and hashes what an earlier download left in it.
    void open() {
        fs::create_directories(path_.parent_path());
        fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "opening " + path_.string());
        sha256_update_from_file(hasher_, path_);
        size_ = fs::file_size(path_);
    }

    void start_over() {
        if (::ftruncate(fd_, 0) != 0)
            throw std::system_error(errno, std::generic_category(), "truncating " + path_.string());
        hasher_ = Sha256();
        size_ = 0;
    }

    void append(std::string_view data) {
        while (!data.empty()) {
            const auto written = ::write(fd_, data.data(), data.size());
            if (written < 0 && errno == EINTR) continue;
            if (written < 0) throw std::system_error(errno, std::generic_category(), "writing " + path_.string());
            hasher_.update(data.substr(0, static_cast<std::size_t>(written)));
            size_ += static_cast<std::uint64_t>(written);
            data.remove_prefix(static_cast<std::size_t>(written));
        }
    }

    void close() {
        if (fd_ >= 0) ::close(std::exchange(fd_, -1));
    }

    void remove() {
        close();
        std::error_code ignored;
        fs::remove(path_, ignored);
    }

    std::string sha256() { return hasher_.hex(); }
    std::uint64_t size() const { return size_; }

private:
    fs::path path_;
    int fd_ = -1;
    Sha256 hasher_;
    std::uint64_t size_ = 0;
};

// Errors that another attempt may not see: the network, the server's hiccups.
bool worth_retrying(rpc::Code code) { return code == rpc::Code::unavailable || code == rpc::Code::deadline_exceeded; }

std::string seconds(std::chrono::milliseconds duration) { return fmt::format("{:.1f} s", duration.count() / 1000.0); }

// One GET of the file, asking for what the partial file lacks, written to it as it comes.
// Returns once the file holds all of it; throws rpc::Error (DownloadFailure for what the answer
// means) otherwise.
asio::awaitable<void> receive(const std::string& label, const DownloadSource& source, PartialFile& partial,
                              const DownloadOptions& options, DownloadCounters& counters) {
    auto url = rpc::parse_http_url(source.url);  // checked by download_resumable
    url.endpoint.tls = source.tls ? source.tls : options.tls;
    rpc::HttpClientOptions client_options;
    client_options.keep_alive = false;
    rpc::HttpClient client(co_await asio::this_coro::executor, url.endpoint, client_options);
    rpc::HttpRequest request;
    request.method = "GET";
    request.target = url.base_path + (url.query.empty() ? "" : "?" + url.query);
    request.headers = source.headers;
    const auto offset = partial.size();
    if (offset > 0) request.headers.push_back({"Range", range_from(offset)});

    // The body may take hours: only the wait for the answer's head is bounded as a whole.
    auto opened = co_await with_timeout(client.open(std::move(request), rpc::kNoTimeout), options.answer_timeout);
    if (!opened) {
        throw rpc::Error(rpc::Code::deadline_exceeded,
                         "GET " + source.url + ": no answer within " + seconds(options.answer_timeout));
    }
    auto& stream = *opened;
    const auto start = body_start({stream.status(), stream.header("Content-Range"), stream.header("Content-Length")},
                                  offset, source.size, source.url);
    if (start == 0 && offset > 0) {
        log::info("{}: the server sends the whole file again; starting over", label);
        co_await run_in_worker([&] { partial.start_over(); });
    }
    counters.received = partial.size();

    ProgressLog progress(source.size, options.log_interval, std::chrono::steady_clock::now());
    std::string pending;
    std::exception_ptr interrupted;
    try {
        for (;;) {
            auto piece = co_await with_timeout(stream.read_some(), options.stall_timeout);
            if (!piece) {
                throw rpc::Error(rpc::Code::deadline_exceeded,
                                 "GET " + source.url + ": no data for " + seconds(options.stall_timeout) +
                                     " (stalled at " + std::to_string(counters.received) + " of " +
                                     std::to_string(source.size) + " bytes)");
            }
            if (!*piece) break;
            if (counters.received + (*piece)->size() > source.size) {
                throw DownloadFailure(rpc::Code::data_loss,
                                      "GET " + source.url + ": more than the " + std::to_string(source.size) +
                                          " bytes the control plane said: refused",
                                      Then::give_up);
            }
            counters.received += (*piece)->size();
            counters.fetched += (*piece)->size();
            pending += **piece;
            if (pending.size() >= kWriteChunk) {
                co_await run_in_worker([&] { partial.append(pending); }, Work::bulk);
                pending.clear();
            }
            if (progress.due(counters.received, std::chrono::steady_clock::now())) {
                log::info("{}: {}% ({} of {} bytes)", label, counters.received * 100 / source.size, counters.received,
                          source.size);
            }
        }
    } catch (const DownloadFailure&) {
        throw;  // what came is no use
    } catch (...) {
        interrupted = std::current_exception();
    }
    // What came before the connection broke or stalled is good: the next attempt resumes after it.
    co_await run_in_worker([&] { partial.append(pending); }, Work::bulk);
    if (interrupted) std::rethrow_exception(interrupted);
    if (partial.size() < source.size) {
        throw DownloadFailure(rpc::Code::unavailable,
                              "GET " + source.url + ": the body ended after " + std::to_string(partial.size()) +
                                  " of " + std::to_string(source.size) + " bytes",
                              Then::retry);
    }
}

}  // namespace

bool is_sha256_hex(const std::string& text) {
    return text.size() == 64 && std::ranges::all_of(text, [](unsigned char c) { return std::isxdigit(c) != 0; });
}

asio::awaitable<void> download_resumable(std::string label, DownloadSource source, fs::path partial_path,
                                         DownloadOptions options, DownloadCounters& counters) {
    try {
        if (!rpc::parse_http_url(source.url).https) throw std::invalid_argument("'" + source.url + "' is not an https URL");
    } catch (const std::invalid_argument& error) {
        throw rpc::Error(rpc::Code::invalid_argument, label + ": " + error.what());
    }
    if (!options.tls && !source.tls) options.tls = rpc::make_tls_client();
    PartialFile partial(std::move(partial_path));
    co_await run_in_worker([&] { partial.open(); }, Work::bulk);
    if (partial.size() > source.size) co_await run_in_worker([&] { partial.start_over(); });
    counters.received = partial.size();
    const auto started = std::chrono::steady_clock::now();
    log::info("{}: downloading {} bytes from {}{}", label, source.size, source.url,
              partial.size() > 0 ? fmt::format(" (resuming at {} bytes)", partial.size()) : "");

    // A partial file that is whole already (bvd stopped before using it) needs no request.
    for (int attempt = 1; partial.size() < source.size; ++attempt) {
        std::exception_ptr failure;
        Then then = Then::retry;
        try {
            co_await receive(label, source, partial, options, counters);
            break;
        } catch (const DownloadFailure& error) {
            failure = std::current_exception();
            then = error.then();
        } catch (const rpc::Error& error) {
            failure = std::current_exception();
            then = worth_retrying(error.code()) ? Then::retry : Then::give_up;
        }
        // What was received but not yet written is lost: the next attempt resumes from the file.
        counters.received = partial.size();
        if (then == Then::give_up) co_await run_in_worker([&] { partial.remove(); });
        if (then == Then::give_up || attempt >= options.attempts) std::rethrow_exception(failure);
        if (then == Then::retry_from_start) co_await run_in_worker([&] { partial.start_over(); });
        counters.received = partial.size();
        const auto delay = options.retry_delay * attempt;
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& error) {
            log::warn("{}: attempt {} of {} failed: {}; retrying in {}", label, attempt, options.attempts, error.what(),
                      seconds(delay));
        }
        co_await sleep_for(delay);
    }

    const auto sha256 = partial.sha256();
    if (sha256 != source.sha256) {
        co_await run_in_worker([&] { partial.remove(); });
        throw rpc::Error(rpc::Code::data_loss, label + ": the file from " + source.url + " has the SHA-256 " + sha256 +
                                                   ", the control plane said " + source.sha256 + ": refused and deleted");
    }
    partial.close();
    log::info("{}: downloaded and checked in {} ({} of its {} bytes fetched now)", label,
              seconds(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)),
              counters.fetched, source.size);
}

}  // namespace bv::daemon
