// A bundle's manifest.json, which a host reads from a downloaded archive before it trusts
// anything in it: what it accepts names only safe paths, 64-hex checksums and a version, and
// writes back to the same manifest.

#include <stdexcept>

#include "fuzz_input.hpp"
#include "install/bundle.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    bv::install::Manifest manifest;
    try {
        manifest = bv::install::parse_manifest(bv::fuzz::text_of(data, size));
    } catch (const std::runtime_error&) {
        return 0;
    }
    bv::fuzz::require(!manifest.version.empty(), "an accepted manifest has a version");
    for (const auto& [path, sha256] : manifest.sha256_of) {
        bv::fuzz::require(!path.empty() && !path.starts_with('/'), "a file path is relative");
        bv::fuzz::require(!bv::fuzz::has_dot_dot(path), "a file path does not climb");
        bv::fuzz::require(sha256.size() == 64, "a checksum is 64 hex digits");
    }
    const auto again = bv::install::parse_manifest(bv::install::manifest_json(manifest));
    bv::fuzz::require(again.version == manifest.version && again.sha256_of == manifest.sha256_of,
                      "what is accepted writes back to the same manifest");
    return 0;
}
