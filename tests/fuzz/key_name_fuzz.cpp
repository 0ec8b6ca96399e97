// A key's name, from the control plane or a local client, which babel turns into a file in
// the node: a name it accepts stays a single entry of the keys directory.

#include <filesystem>

#include "babel/config.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto name = bv::fuzz::text_of(data, size);
    if (!bv::babel::is_plain_file_name(name)) return 0;
    const std::filesystem::path directory = "/var/lib/keys";
    const auto place = (directory / std::filesystem::path(std::string(name))).lexically_normal();
    bv::fuzz::require(place.parent_path() == directory, "an accepted name stays in its directory");
    bv::fuzz::require(place.filename() == std::filesystem::path(std::string(name)), "an accepted name is one entry");
    bv::fuzz::require(!bv::fuzz::has_dot_dot(name), "an accepted name does not climb");
    return 0;
}
