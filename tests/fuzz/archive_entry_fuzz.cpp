// The names inside an image archive (or a bundle) that bvd unpacks: entry paths and symbolic
// link targets, the only things that decide where a file lands on the host.

#include "fuzz_input.hpp"
#include "host/image_archive_rules.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto parts = bv::fuzz::parts_of(bv::fuzz::text_of(data, size), 2);
    try {
        const auto entry = bv::host::image_entry_path(parts[0]);
        bv::fuzz::require(!entry.starts_with('/'), "an entry path is relative");
        bv::fuzz::require(!bv::fuzz::has_dot_dot(entry), "an entry path has no '..'");
        bv::fuzz::require(entry.empty() || entry == "babel.toml" || entry == "rootfs" || entry.starts_with("rootfs/"),
                          "an entry lies in babel.toml or rootfs/");
        if (!entry.starts_with("rootfs/")) return 0;
        const auto target = bv::host::relative_symlink_target(entry, parts[1]);
        bv::fuzz::require(!target.starts_with('/'), "a rewritten link target is relative");
        bv::host::check_symlink_target(entry, target);
    } catch (const bv::host::ArchiveError&) {
    }
    return 0;
}
