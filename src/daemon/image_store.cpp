#include "daemon/image_store.hpp"

#include <fcntl.h>

#include <algorithm>
#include <cstdio>

#include "common/files.hpp"
#include "common/log.hpp"
#include "common/worker_pool.hpp"
#include "daemon/node_names.hpp"
#include "rpc/error.hpp"

namespace bv::daemon {
namespace {

namespace fs = std::filesystem;

std::string temporary_name(const std::string& purpose) { return "." + purpose + "-" + new_node_id(); }

// What a copy of `directory` takes: its regular files' bytes (links and directories aside).
std::uint64_t bytes_below(const fs::path& directory) {
    std::uint64_t bytes = 0;
    for (const auto& entry : fs::recursive_directory_iterator(directory)) {
        if (entry.is_regular_file() && !entry.is_symlink()) bytes += entry.file_size();
    }
    return bytes;
}

std::uint64_t mebibytes(std::uint64_t bytes) { return (bytes + (1 << 20) - 1) >> 20; }

// Copies an image directory into the store's staging directory; a disk too small for it is
// refused before the copy, and a copy that fails all the same says where and how much was free.
void copy_image(const fs::path& source, const fs::path& staging, const std::string& image) {
    const auto needed = bytes_below(source);
    const auto free_bytes = fs::space(staging.parent_path()).available;
    const auto no_room = [&](const std::string& what) {
        return rpc::Error(rpc::Code::resource_exhausted,
                          "cannot import " + image + ": " + what + "; it takes " + std::to_string(mebibytes(needed)) +
                              " MiB and " + std::to_string(free_bytes >> 20) + " MiB are free under " +
                              staging.parent_path().string() + " (free disk space, then import again)");
    };
    if (needed > free_bytes) throw no_room("not enough disk space");
    try {
        fs::create_directories(staging);
        copy_file_exactly(source / "babel.toml", staging / "babel.toml");
        copy_tree_exactly(source / "rootfs", staging / "rootfs");
        // The VM backends' kernel, modules and os.img, when the image has them (build-image --vm).
        if (fs::is_directory(source / "vm")) copy_tree_exactly(source / "vm", staging / "vm");
    } catch (const std::system_error& error) {
        if (error.code() == std::errc::no_space_on_device) throw no_room("the disk filled up while copying it");
        throw rpc::Error(rpc::Code::internal, "cannot import " + image + ": " + error.what());
    }
}

}  // namespace

std::string image_name(const babel::BabelConfig& config) {
    return config.config.protocol + "/" + config.config.node_type + "/" + config.config.node_version;
}

Image read_image(const fs::path& dir) {
    Image image;
    image.dir = dir;
    if (!fs::is_directory(dir / "rootfs")) {
        throw rpc::Error(rpc::Code::invalid_argument, dir.string() + " is not an image: it has no rootfs/ directory");
    }
    try {
        image.config_toml = read_file(dir / "babel.toml");
        image.config = babel::parse_babel_config(image.config_toml, (dir / "babel.toml").string());
    } catch (const babel::ConfigError& error) {
        throw rpc::Error(rpc::Code::invalid_argument, std::string("image ") + dir.string() + " has an invalid babel.toml:\n" + error.what());
    } catch (const std::system_error& error) {
        throw rpc::Error(rpc::Code::invalid_argument, std::string("image ") + dir.string() + ": " + error.what());
    }
    image.name = image_name(image.config);
    return image;
}

std::vector<Image> ImageStore::list() const {
    std::vector<Image> images;
    std::error_code ec;
    for (const auto& protocol : fs::directory_iterator(images_dir_, ec)) {
        if (!protocol.is_directory() || protocol.path().filename().string().starts_with('.')) continue;
        for (const auto& node_type : fs::directory_iterator(protocol.path(), ec)) {
            if (!node_type.is_directory()) continue;
            for (const auto& version : fs::directory_iterator(node_type.path(), ec)) {
                if (!version.is_directory()) continue;
                try {
                    images.push_back(read_image(version.path()));
                } catch (const rpc::Error& error) {
                    log::warn("skipping a broken image: {}", error.what());
                }
            }
        }
    }
    std::ranges::sort(images, {}, &Image::name);
    return images;
}

void ImageStore::remove_leftovers() const {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(images_dir_, ec)) {
        if (entry.path().filename().string().starts_with(".importing-")) {
            log::info("removing {} left behind by an interrupted import", entry.path().string());
            fs::remove_all(entry.path(), ec);
        }
    }
}

// protocol/node_type/version: three plain names, so that the path stays inside the cache.
bool valid_image_name(std::string_view name) {
    int parts = 0;
    for (std::size_t start = 0; start <= name.size(); ++parts) {
        const auto end = std::min(name.find('/', start), name.size());
        const auto part = name.substr(start, end - start);
        if (part.empty() || part == "." || part == ".." || part.find('\0') != std::string_view::npos) return false;
        start = end + 1;
    }
    return parts == 3;
}

Image ImageStore::find(std::string_view name) const {
    const fs::path dir = images_dir_ / name;
    if (!valid_image_name(name) || !fs::is_directory(dir)) {
        throw rpc::Error(rpc::Code::not_found, "image '" + std::string(name) +
                                                   "' not found in the cache (see 'bv image list'; images are "
                                                   "named protocol/node_type/version)");
    }
    return read_image(dir);
}

namespace {

rpc::Error already_in_cache(const std::string& image) {
    return rpc::Error(rpc::Code::already_exists,
                      "image " + image + " is already in the cache (import with replace to overwrite it)");
}

void refuse_if_in_use(const std::string& image, const std::function<bool(const std::string&)>& in_use) {
    if (in_use(image)) {
        throw rpc::Error(rpc::Code::failed_precondition,
                         "image " + image +
                             " is in use by nodes (their root filesystem sits on it); upgrade or delete them first, "
                             "or import under another version");
    }
}

}  // namespace

asio::awaitable<Image> ImageStore::import(fs::path source, bool replace,
                                          const std::function<bool(const std::string&)>& in_use) {
    if (!fs::is_directory(source)) throw rpc::Error(rpc::Code::invalid_argument, source.string() + " is not a directory");
    auto image = read_image(source);
    if (fs::exists(images_dir_ / image.name) && !replace) throw already_in_cache(image.name);
    if (replace) refuse_if_in_use(image.name, in_use);
    const auto staging = staging_directory();
    co_return co_await install(staging, image.name, replace, in_use,
                               [source, staging, name = image.name] { copy_image(source, staging, name); });
}

fs::path ImageStore::staging_directory() const { return images_dir_ / temporary_name("importing"); }

asio::awaitable<Image> ImageStore::install_staged(fs::path staging, std::string expected_name) {
    std::string name;
    try {
        name = read_image(staging).name;
        if (name != expected_name) {
            throw rpc::Error(rpc::Code::invalid_argument,
                             "the image is " + name + ", not " + expected_name + " (its babel.toml names it)");
        }
    } catch (...) {
        std::error_code ignored;
        fs::remove_all(staging, ignored);
        throw;
    }
    co_return co_await install(staging, name, false, [](const std::string&) { return false; }, [] {});
}

asio::awaitable<Image> ImageStore::install(fs::path staging, std::string image, bool replace,
                                           const std::function<bool(const std::string&)>& in_use,
                                           std::function<void()> fill_staging) {
    const auto destination = images_dir_ / image;
    std::exception_ptr failure;
    try {
        co_await run_in_worker(
            [&] {
                fill_staging();
                fs::create_directories(destination.parent_path());
            },
            Work::bulk);
        // On the event loop, between the checks and the swap no node can be created from it.
        const auto cancelled = (co_await asio::this_coro::cancellation_state).cancelled();
        if (cancelled != asio::cancellation_type::none) throw boost::system::system_error(asio::error::operation_aborted);
        if (fs::exists(destination)) {
            if (!replace) throw already_in_cache(image);
            refuse_if_in_use(image, in_use);
            // One atomic exchange: there is never a moment without the image.
            if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, destination.c_str(), RENAME_EXCHANGE) != 0) {
                throw std::system_error(errno, std::generic_category(), "replacing " + destination.string());
            }
        } else {
            fs::rename(staging, destination);
        }
    } catch (...) {
        failure = std::current_exception();
    }
    // What is left there: the replaced image after the exchange, or a partial copy. Removed
    // even when the import was cancelled (a leftover is swept at the next start otherwise).
    co_await asio::this_coro::throw_if_cancelled(false);
    co_await run_in_worker(
        [staging] {
            std::error_code ignored;
            fs::remove_all(staging, ignored);
        },
        Work::bulk);
    if (failure) std::rethrow_exception(failure);
    co_return read_image(destination);
}

}  // namespace bv::daemon
