#include "babel/vm_root_layer.hpp"

#include "common/files.hpp"

namespace bv::babel {

namespace fs = std::filesystem;

void prepare_root_layer(const fs::path& node_disk, std::string_view image) {
    const auto root = node_disk / "root", replaced = node_disk / "root.replaced", recorded = root / "image";
    fs::remove_all(replaced);
    const auto made_over = fs::exists(recorded) ? read_file(recorded) : std::string();
    if (!image.empty() && !made_over.empty() && made_over != image) {
        fs::rename(root, replaced);
        fs::remove_all(replaced);
    }
    fs::create_directories(root / "upper");
    fs::create_directories(root / "work");
    if (!image.empty() && made_over != image) write_file_atomically(recorded, image);
}

}  // namespace bv::babel
