#pragma once

// The writable layer a VM guest puts over its image's read-only os.img: on the node's data
// disk, so that it lasts across restarts, and only over the image it was made on.

#include <filesystem>
#include <string_view>

namespace bv::babel {

// Makes `node_disk`/root/upper and root/work ready for the overlay over image `image`. A layer
// made over another image (the node was upgraded) is removed first, as a sandbox's is at an
// upgrade; the chain's data and babel's state are elsewhere on the disk and stay. A layer
// that names no image yet (made before images were recorded) is kept and takes `image`; an
// empty `image` (an older bvd) keeps whatever is there. Crash-safe: the old layer is renamed
// away before it is removed, and a half-removed one goes at the next boot.
void prepare_root_layer(const std::filesystem::path& node_disk, std::string_view image);

}  // namespace bv::babel
