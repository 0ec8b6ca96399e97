// bv image list | import: the node images in this host's cache.

#include <fmt/format.h>

#include <filesystem>
#include <memory>

#include "blockvisor/v1/image.pb.h"
#include "cli/commands.hpp"
#include "cli/output.hpp"

namespace bv::cli {
namespace {

namespace v1 = blockvisor::v1;

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
        for (const auto& image : images.images()) {
            rows.push_back({image.name(), std::to_string(image.vcpu_count()),
                            format_bytes(image.mem_size_mb() << 20),
                            format_bytes(image.disk_size_gb() << 30),
                            std::to_string(image.methods_size())});
        }
        print_table({"NAME", "VCPU", "MEMORY", "DISK", "METHODS"}, rows);
    });
}

asio::awaitable<void> import_image(const CliContext& context, const ImageArguments& arguments,
                                   rpc::ConnectClient& client) {
    v1::ImportImageRequest request;
    // bvd has another working directory: it gets the path as this shell means it.
    request.set_path(std::filesystem::absolute(arguments.directory).lexically_normal().string());
    request.set_replace(arguments.replace);
    const auto image = co_await client.call<v1::ImageInfo>(
        "blockvisor.v1.ImageService/Import", std::move(request), context.long_timeout);
    print_message(context.json, image, [](const v1::ImageInfo& imported) {
        fmt::print("imported {} ({})\n", imported.name(), imported.path());
    });
}

}  // namespace

void add_image_commands(CLI::App& app, CliContext& context, Action& action) {
    auto* image = app.add_subcommand("image", "Node images in this host's cache");
    image->require_subcommand(1);
    auto arguments = std::make_shared<ImageArguments>();
    add_daemon_command(*image, "list",
                       "The images as a table (just the header when there are none)", context,
                       action, with_arguments(context, arguments, list_images));
    auto* import = add_daemon_command(
        *image, "import", "Copy an image directory (babel.toml, rootfs/) into the cache", context,
        action, with_arguments(context, arguments, import_image));
    import->add_option("DIR", arguments->directory, "The image directory (babel.toml, rootfs/)")
        ->required();
    import->add_flag("--replace", arguments->replace,
                     "Replace an image of the same name already in the cache");
}

}  // namespace bv::cli
