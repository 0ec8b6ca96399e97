// ImageDownloader against a real HTTPS server on 127.0.0.1: archives made by
// pack_image_archive (or by hand, hostile), faults of the server, what ends up in the cache.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <fstream>

#include "common/async.hpp"
#include "common/sha256.hpp"
#include "daemon/image_downloader.hpp"
#include "rpc/error.hpp"
#include "rpc/tls.hpp"
#include "support/process.hpp"
#include "support/run_to_end.hpp"
#include "support/test_archives.hpp"
#include "support/test_file_server.hpp"
#include "support/test_images.hpp"

namespace bv::test {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace fs = std::filesystem;
using daemon::ImageDownloader;
using daemon::LocatedImage;

constexpr auto kImage = "dummy/sleeper/1.0.0";

std::string read(const fs::path& file) {
    std::ifstream input(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(input), {});
}

// Everything under `dir`, as paths relative to it.
std::vector<std::string> tree(const fs::path& dir) {
    std::vector<std::string> entries;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec);
         it != fs::recursive_directory_iterator(); ++it) {
        entries.push_back(it->path().lexically_relative(dir).string());
    }
    std::ranges::sort(entries);
    return entries;
}

struct Outcome {
    std::optional<daemon::Image> image;
    rpc::Code code = rpc::Code::unknown;
    std::string error;
};

class ImageDownloadTest : public ::testing::Test {
protected:
    ImageDownloadTest() {
        daemon::ImageDownloaderOptions options;
        options.tls = rpc::make_tls_client(certificate_.certificate.string());
        options.answer_timeout = 2s;
        options.stall_timeout = 500ms;
        options.attempts = 3;
        options.retry_delay = 10ms;
        downloader_.emplace(io_.get_executor(), store_, partial_dir_, tasks_, options);
        const auto packed =
            host::pack_image_archive(test_image("dummy"), dir_.path() / "dummy.tar.gz");
        archive_ = read(dir_.path() / "dummy.tar.gz");
        EXPECT_EQ(packed.size, archive_.size());
        server_.serve("/dummy.tar.gz", archive_);
    }

    ~ImageDownloadTest() override { run_to_end(io_, tasks_.finish(1s)); }

    LocatedImage located(const std::string& path = "/dummy.tar.gz") const {
        const auto& content = files_content(path);
        return {server_.url(path), content.size(), sha256_hex(content), {}, nullptr};
    }

    const std::string& files_content(const std::string& path) const {
        return path == "/dummy.tar.gz" ? archive_ : hostile_.at(path);
    }

    // Serves an archive of the dummy image's babel.toml and rootfs/ plus `extra` at `path`.
    void serve_hostile(const std::string& path, std::vector<ArchiveEntrySpec> extra) {
        auto entries = minimal_image_entries(read(test_image("dummy") / "babel.toml"));
        entries.insert(entries.end(), extra.begin(), extra.end());
        write_test_archive(dir_.path() / "hostile.tar.gz", entries);
        hostile_[path] = read(dir_.path() / "hostile.tar.gz");
        server_.serve(path, hostile_[path]);
    }

    asio::awaitable<Outcome> fetch_async(std::string image, LocatedImage where) {
        Outcome outcome;
        try {
            outcome.image = co_await downloader_->fetch(std::move(image), std::move(where));
        } catch (const rpc::Error& error) {
            outcome.code = error.code();
            outcome.error = error.what();
        }
        co_return outcome;
    }

    // Starts a fetch on its own: `done` once it has ended.
    void start_fetch(Outcome& outcome, bool& done, LocatedImage where) {
        asio::co_spawn(io_, fetch_async(kImage, std::move(where)),
                       [&](std::exception_ptr, Outcome result) {
                           outcome = std::move(result);
                           done = true;
                       });
    }

    static asio::awaitable<void> wait_until(const std::function<bool()>& condition) {
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (!condition() && std::chrono::steady_clock::now() < deadline) co_await sleep_for(5ms);
    }

    Outcome fetch(LocatedImage where, std::string image = kImage) {
        Outcome outcome;
        run_to_end(io_, [&]() -> asio::awaitable<void> {
            outcome = co_await fetch_async(image, where);
        }());
        return outcome;
    }

    // Nothing in the cache, no partial file, no staging directory: as before the fetch.
    void expect_nothing_left() {
        EXPECT_TRUE(store_.list().empty());
        EXPECT_EQ(tree(images_dir_), (std::vector<std::string>{".downloading"}));
    }

    TempDir dir_{"bv-download"};
    fs::path images_dir_ = dir_.path() / "images";
    fs::path partial_dir_ = images_dir_ / ".downloading";
    TestCertificate certificate_ = make_test_certificate(dir_.path());
    asio::io_context io_;
    TestFileServer server_{io_, certificate_};
    daemon::ImageStore store_{images_dir_};
    OwnedTasks tasks_;
    std::optional<ImageDownloader> downloader_;
    std::string archive_;
    std::map<std::string, std::string> hostile_;
};

TEST_F(ImageDownloadTest, DownloadsChecksUnpacksAndImports) {
    const auto outcome = fetch(located());
    ASSERT_TRUE(outcome.image) << outcome.error;
    EXPECT_EQ(outcome.image->name, kImage);
    EXPECT_EQ(store_.find(kImage).dir, images_dir_ / kImage);
    EXPECT_TRUE(fs::is_regular_file(images_dir_ / kImage / "rootfs/bin/busybox"));
    EXPECT_EQ(fs::read_symlink(images_dir_ / kImage / "rootfs/bin/sh"), "busybox");
    EXPECT_EQ(server_.ranges, (std::vector<std::string>{""}));
    EXPECT_TRUE(tree(partial_dir_).empty()) << "the archive stayed after the import";
    EXPECT_TRUE(downloader_->in_progress().empty());
}

TEST_F(ImageDownloadTest, AnImageInTheCacheIsNotDownloaded) {
    ASSERT_TRUE(fetch(located()).image);
    const auto again = fetch(located());
    ASSERT_TRUE(again.image) << again.error;
    EXPECT_EQ(server_.ranges.size(), 1u);
}

TEST_F(ImageDownloadTest, ResumesAnInterruptedDownloadWithRange) {
    server_.faults.cut_first_after = 300'000;
    ASSERT_GT(archive_.size(), 300'000u);
    const auto outcome = fetch(located());
    ASSERT_TRUE(outcome.image) << outcome.error;
    EXPECT_EQ(server_.ranges, (std::vector<std::string>{"", "bytes=300000-"}));
    EXPECT_TRUE(tree(partial_dir_).empty());
}

TEST_F(ImageDownloadTest, AServerIgnoringTheRangeIsReadFromTheStart) {
    server_.faults.cut_first_after = 300'000;
    server_.faults.ignore_range = true;
    const auto outcome = fetch(located());
    ASSERT_TRUE(outcome.image) << outcome.error;
    EXPECT_EQ(server_.ranges, (std::vector<std::string>{"", "bytes=300000-"}));
}

TEST_F(ImageDownloadTest, AStalledServerTimesOutKeepsWhatCameAndTheNextFetchResumes) {
    server_.faults.stall_after = 200'000;
    Outcome outcome;
    std::vector<daemon::DownloadProgress> seen;
    const auto start = std::chrono::steady_clock::now();
    bool done = false;
    start_fetch(outcome, done, located());
    run_to_end(io_, [&]() -> asio::awaitable<void> {
        // While it stalls, the downloads in flight show it.
        co_await wait_until([&] {
            seen = downloader_->in_progress();
            return !seen.empty() && seen.front().received_bytes == 200'000;
        });
        co_await wait_until([&] { return done; });
    }());
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen.front().image, kImage);
    EXPECT_EQ(seen.front().phase, daemon::DownloadPhase::downloading);
    EXPECT_EQ(seen.front().received_bytes, 200'000u);
    EXPECT_EQ(seen.front().total_bytes, archive_.size());

    EXPECT_EQ(outcome.code, rpc::Code::deadline_exceeded) << outcome.error;
    EXPECT_NE(outcome.error.find("no data for 0.5 s"), std::string::npos) << outcome.error;
    // Three attempts, each resuming after what the one before got.
    EXPECT_EQ(server_.ranges, (std::vector<std::string>{"", "bytes=200000-", "bytes=400000-"}));
    EXPECT_LT(took, 5s);
    EXPECT_TRUE(store_.list().empty());
    EXPECT_TRUE(downloader_->in_progress().empty());
    const auto partial = partial_dir_ / (sha256_hex(archive_) + ".part");
    EXPECT_EQ(fs::file_size(partial), 600'000u);

    server_.faults.stall_after.reset();
    const auto resumed = fetch(located());
    ASSERT_TRUE(resumed.image) << resumed.error;
    EXPECT_EQ(server_.ranges.back(), "bytes=600000-");
    EXPECT_FALSE(fs::exists(partial));
}

TEST_F(ImageDownloadTest, APartialFileLeftWholeIsUnpackedWithoutARequest) {
    fs::create_directories(partial_dir_);
    std::ofstream(partial_dir_ / (sha256_hex(archive_) + ".part"), std::ios::binary) << archive_;
    const auto outcome = fetch(located());
    ASSERT_TRUE(outcome.image) << outcome.error;
    EXPECT_TRUE(server_.ranges.empty());
    EXPECT_TRUE(tree(partial_dir_).empty());
}

TEST_F(ImageDownloadTest, AWrongSha256IsRefusedAndNothingImported) {
    auto where = located();
    where.sha256 = sha256_hex("something else");
    const auto outcome = fetch(where);
    EXPECT_EQ(outcome.code, rpc::Code::data_loss) << outcome.error;
    EXPECT_NE(outcome.error.find("SHA-256"), std::string::npos) << outcome.error;
    expect_nothing_left();
}

TEST_F(ImageDownloadTest, AWrongSizeIsRefusedAndNothingImported) {
    for (const auto size : {archive_.size() + 10, archive_.size() - 10}) {
        auto where = located();
        where.size = size;
        const auto outcome = fetch(where);
        EXPECT_EQ(outcome.code, rpc::Code::data_loss) << outcome.error;
        EXPECT_NE(outcome.error.find("the control plane said " + std::to_string(size)),
                  std::string::npos)
            << outcome.error;
        expect_nothing_left();
    }
    EXPECT_EQ(server_.ranges.size(), 2u) << "retried a refusal";
}

TEST_F(ImageDownloadTest, HostileArchivesAreRefusedWithNothingImported) {
    const auto outside = dir_.path() / "outside";
    const std::vector<std::pair<std::string, std::vector<ArchiveEntrySpec>>> cases{
        {"/absolute.tar.gz", {file_entry(outside.string(), "evil")}},
        {"/dotdot.tar.gz", {file_entry("rootfs/../../../outside", "evil")}},
        {"/symlink.tar.gz", {symlink_entry("rootfs/escape", "../../../../outside")}},
        {"/device.tar.gz",
         {{"rootfs/dev/mem", ArchiveEntrySpec::Type::character_device, 0600, {}, {}}}},
    };
    for (const auto& [path, extra] : cases) {
        serve_hostile(path, extra);
        const auto outcome = fetch(located(path));
        EXPECT_EQ(outcome.code, rpc::Code::invalid_argument) << path << ": " << outcome.error;
        EXPECT_NE(outcome.error.find("is refused: "), std::string::npos) << outcome.error;
        EXPECT_NE(outcome.error.find(extra.front().path), std::string::npos) << outcome.error;
        expect_nothing_left();
        EXPECT_FALSE(fs::exists(outside));
    }
}

TEST_F(ImageDownloadTest, AnArchiveOfAnotherImageIsRefused) {
    const auto outcome = fetch(located(), "other/node/1.0.0");
    EXPECT_EQ(outcome.code, rpc::Code::invalid_argument) << outcome.error;
    EXPECT_NE(outcome.error.find("the image is dummy/sleeper/1.0.0, not other/node/1.0.0"),
              std::string::npos)
        << outcome.error;
    expect_nothing_left();
}

TEST_F(ImageDownloadTest, AMissingArchiveIsNotFoundWithoutRetries) {
    auto where = located();
    where.url = server_.url("/missing.tar.gz");
    const auto outcome = fetch(where);
    EXPECT_EQ(outcome.code, rpc::Code::not_found) << outcome.error;
    EXPECT_NE(outcome.error.find("HTTP 404"), std::string::npos) << outcome.error;
    EXPECT_EQ(server_.ranges.size(), 1u);
    expect_nothing_left();
}

TEST_F(ImageDownloadTest, WhatIsNotAnHttpsUrlWithASha256IsRefusedAtOnce) {
    for (const auto* url : {"http://127.0.0.1:1/x.tar.gz", "not a url"}) {
        auto where = located();
        where.url = url;
        const auto outcome = fetch(where);
        EXPECT_EQ(outcome.code, rpc::Code::invalid_argument) << outcome.error;
        EXPECT_NE(outcome.error.find(url), std::string::npos) << outcome.error;
    }
    auto where = located();
    where.sha256 = "abc";
    EXPECT_EQ(fetch(where).code, rpc::Code::invalid_argument);
    EXPECT_TRUE(server_.ranges.empty());
}

TEST_F(ImageDownloadTest, ConcurrentFetchesShareOneDownload) {
    Outcome first, second;
    bool first_done = false, second_done = false;
    start_fetch(first, first_done, located());
    start_fetch(second, second_done, located());
    run_to_end(io_, wait_until([&] { return first_done && second_done; }));
    ASSERT_TRUE(first.image) << first.error;
    ASSERT_TRUE(second.image) << second.error;
    EXPECT_EQ(server_.ranges.size(), 1u);
}

TEST_F(ImageDownloadTest, AnUntrustedServerIsRefused) {
    daemon::ImageDownloaderOptions options;
    options.tls = rpc::make_tls_client();  // the system's CAs: not this test's certificate
    options.attempts = 1;
    ImageDownloader strict(io_.get_executor(), store_, partial_dir_, tasks_, options);
    Outcome outcome;
    run_to_end(io_, [&]() -> asio::awaitable<void> {
        try {
            co_await strict.fetch(kImage, located());
        } catch (const rpc::Error& error) {
            outcome.code = error.code();
            outcome.error = error.what();
        }
    }());
    EXPECT_EQ(outcome.code, rpc::Code::unavailable) << outcome.error;
    EXPECT_TRUE(store_.list().empty());
}

}  // namespace
}  // namespace bv::test
