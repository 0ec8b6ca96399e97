#include "cli/image_view.hpp"

#include <fmt/format.h>

#include "cli/output.hpp"
#include "cli/terminal.hpp"

namespace bv::cli {

namespace v1 = blockvisor::v1;

std::vector<std::string> image_table_header() {
    return {"NAME", "VCPU", "MEMORY", "DISK", "METHODS"};
}

std::vector<std::string> image_table_row(const v1::ImageInfo& image) {
    return {image.name(), std::to_string(image.vcpu_count()),
            format_bytes(image.mem_size_mb() << 20), format_bytes(image.disk_size_gb() << 30),
            std::to_string(image.methods_size())};
}

std::vector<std::string> download_table_header() {
    return {"DOWNLOADING", "STATUS"};
}

std::vector<std::string> download_table_row(const v1::ImageDownload& download, bool bar) {
    if (download.phase() == v1::IMAGE_DOWNLOAD_PHASE_UNPACKING)
        return {download.name(), "unpacking"};
    const auto total = download.total_bytes();
    const auto received = download.received_bytes();
    if (bar) {
        return {download.name(), fmt::format("downloading {} {} of {}", progress_bar(received, total, 27),
                                             format_bytes(received), format_bytes(total))};
    }
    const auto percent = total == 0 ? 0 : received * 100 / total;
    return {download.name(),
            fmt::format("downloading {}% ({} of {})", percent, format_bytes(received), format_bytes(total))};
}

}  // namespace bv::cli
