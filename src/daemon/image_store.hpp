#pragma once

#include <boost/asio/awaitable.hpp>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "babel/config.hpp"

namespace bv::daemon {

namespace asio = boost::asio;

struct Image {
    std::string name;            // protocol/node_type/version
    std::filesystem::path dir;   // holds babel.toml, rootfs/ and, for VMs, vm/
    std::string config_toml;
    babel::BabelConfig config;

    std::filesystem::path rootfs() const { return dir / "rootfs"; }
    // For VM nodes (scripts/build-image makes them): the guest kernel and the root disk.
    std::filesystem::path kernel() const { return dir / "vm/vmlinux"; }
    std::filesystem::path os_image() const { return dir / "vm/os.img"; }
};

// The host's image cache: <images_dir>/<protocol>/<node_type>/<version>/{babel.toml,rootfs/}.
class ImageStore {
public:
    explicit ImageStore(std::filesystem::path images_dir) : images_dir_(std::move(images_dir)) {}

    // Every usable image, sorted by name. A broken image is left out (and logged).
    std::vector<Image> list() const;
    // Removes what imports cut short left in the cache (blocking: call it on a worker).
    void remove_leftovers() const;
    // Throws rpc::Error(not_found) with a hint when there is no such image.
    Image find(std::string_view name) const;
    // Copies an image directory into the cache (on a worker thread). Throws rpc::Error:
    // invalid_argument for a directory that is not an image, already_exists unless `replace`.
    // With `replace`, an image of the same name is swapped out in one step, unless `in_use`
    // says nodes use it (failed_precondition): checked before the copy and again at the swap,
    // since a node may have been created from it meanwhile.
    asio::awaitable<Image> import(std::filesystem::path source, bool replace,
                                  const std::function<bool(const std::string&)>& in_use);

    // A fresh path (not created) in the cache's directory where an image can be put together
    // (an archive unpacked): on the cache's file system, and swept by remove_leftovers when
    // the process dies before install_staged.
    std::filesystem::path staging_directory() const;
    // Moves an image put together in a staging_directory() into the cache, where it must be
    // `expected_name` (invalid_argument otherwise) and not be yet (already_exists). The staging
    // directory is gone afterwards, whatever happened.
    asio::awaitable<Image> install_staged(std::filesystem::path staging, std::string expected_name);

private:
    // Fills `staging` (on a worker) and moves it to `image`'s place, swapping out an image there
    // when `replace`; removes what is left in `staging` at the end.
    asio::awaitable<Image> install(std::filesystem::path staging, std::string image, bool replace,
                                   const std::function<bool(const std::string&)>& in_use,
                                   std::function<void()> fill_staging);

    std::filesystem::path images_dir_;
};

// "protocol/node_type/version" of a config.
std::string image_name(const babel::BabelConfig& config);
// Reads an image directory. Throws rpc::Error(invalid_argument) saying what is wrong.
Image read_image(const std::filesystem::path& dir);

}  // namespace bv::daemon
