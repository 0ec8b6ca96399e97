// bv image list | import: the node images in this host's cache.

#include <fmt/format.h>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>

#include "blockvisor/v1/image.pb.h"
#include "cli/commands.hpp"
#include "cli/image_view.hpp"
#include "cli/output.hpp"

namespace bv::cli {
namespace {

namespace v1 = blockvisor::v1;
using namespace boost::asio::experimental::awaitable_operators;

struct ImageArguments {
    std::string directory;
    bool replace = false;
};

asio::awaitable<void> list_images(const CliContext& context, const ImageArguments&,
                                  rpc::ConnectClient& client) {
    const auto list = co_await client.call<v1::ListImagesResponse>(
        "blockvisor.v1.ImageService/List", v1::ListImagesRequest(), context.timeout);
    print_message(context.json, list, [](const v1::ListImagesResponse& images) {
        std::vector<std::vector<std::string>> rows;
        for (const auto& image : images.images()) rows.push_back(image_table_row(image));
        print_table(image_table_header(), rows);
        if (images.downloads().empty()) return;
        rows.clear();
        const bool bars = current_output_style().progress_bars;
        for (const auto& download : images.downloads()) rows.push_back(download_table_row(download, bars));
        fmt::print("\n");
        print_table(download_table_header(), rows);
    });
}

// The call's outcome as a value: awaitable operator|| waits for the first success, so a call
// that throws must not be raced with the progress line as such.
struct ImportOutcome {
    std::optional<v1::ImageInfo> image;
    std::exception_ptr failure;
};

asio::awaitable<ImportOutcome> call_import(const CliContext& context, rpc::ConnectClient& client,
                                           v1::ImportImageRequest request) {
    try {
        co_return ImportOutcome{co_await client.call<v1::ImageInfo>("blockvisor.v1.ImageService/Import",
                                                                    std::move(request), context.long_timeout),
                                nullptr};
    } catch (...) {
        co_return ImportOutcome{std::nullopt, std::current_exception()};
    }
}

// Bytes of the files under `directory` (what bvd is about to copy).
std::uint64_t directory_bytes(const std::filesystem::path& directory) {
    std::uint64_t bytes = 0;
    std::error_code ec;
    for (std::filesystem::recursive_directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file(ec) && !it->is_symlink(ec)) bytes += it->file_size(ec);
    }
    return bytes;
}

// On a terminal, one line redrawn twice a second until the import ends: the API reports no
// progress of a copy, so it says how much there is and how long it has taken so far.
asio::awaitable<void> show_import_progress(std::string heading) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    const auto start = std::chrono::steady_clock::now();
    for (;;) {
        const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start);
        fmt::print(stderr, "\r{} {}", heading, format_duration(static_cast<std::uint64_t>(elapsed.count())));
        std::fflush(stderr);
        timer.expires_after(std::chrono::milliseconds(500));
        co_await timer.async_wait(asio::use_awaitable);
    }
}

asio::awaitable<void> import_image(const CliContext& context, const ImageArguments& arguments,
                                   rpc::ConnectClient& client) {
    v1::ImportImageRequest request;
    // bvd has another working directory: it gets the path as this shell means it.
    const auto directory = std::filesystem::absolute(arguments.directory).lexically_normal();
    request.set_path(directory.string());
    request.set_replace(arguments.replace);
    ImportOutcome outcome;
    if (current_output_style().live_progress && !context.quiet && !context.json) {
        const auto heading = fmt::format("importing {} ({})", directory.string(), format_bytes(directory_bytes(directory)));
        auto raced = co_await (call_import(context, client, std::move(request)) || show_import_progress(heading));
        outcome = std::move(std::get<0>(raced));
        // The progress line goes; what follows takes its place.
        fmt::print(stderr, "\r\033[K");
    } else {
        outcome = co_await call_import(context, client, std::move(request));
    }
    if (outcome.failure) std::rethrow_exception(outcome.failure);
    print_report(context.json, context.quiet, *outcome.image, [](const v1::ImageInfo& imported) {
        fmt::print("imported {} ({})\n", imported.name(), imported.path());
    });
}

}  // namespace

void add_image_commands(CLI::App& app, CliContext& context, Action& action) {
    auto* image = app.add_subcommand("image", "Node images in this host's cache");
    image->require_subcommand(1);
    auto arguments = std::make_shared<ImageArguments>();
    add_daemon_command(*image, "list",
                       "The images as a table (just the header when there are none), then the downloads in flight",
                       context, action, with_arguments(context, arguments, list_images));
    auto* import = add_daemon_command(
        *image, "import", "Copy an image directory (babel.toml, rootfs/) into the cache", context,
        action, with_arguments(context, arguments, import_image));
    import->add_option("DIR", arguments->directory, "The image directory (babel.toml, rootfs/)")
        ->required();
    import->add_flag("--replace", arguments->replace,
                     "Replace an image of the same name already in the cache");
}

}  // namespace bv::cli
