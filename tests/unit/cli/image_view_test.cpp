#include "cli/image_view.hpp"

#include <gtest/gtest.h>

namespace bv::cli {
namespace {

namespace v1 = blockvisor::v1;

TEST(ImageView, DownloadShowsItsShareAndSizes) {
    v1::ImageDownload download;
    download.set_name("ethereum/reth/1.2.3");
    download.set_phase(v1::IMAGE_DOWNLOAD_PHASE_DOWNLOADING);
    download.set_received_bytes(430ULL << 20);
    download.set_total_bytes(1000ULL << 20);
    EXPECT_EQ(download_table_row(download),
              (std::vector<std::string>{"ethereum/reth/1.2.3",
                                        "downloading 43% (430.0 MiB of 1000.0 MiB)"}));
}

TEST(ImageView, UnpackingSaysSo) {
    v1::ImageDownload download;
    download.set_name("dummy/sleeper/1.0.0");
    download.set_phase(v1::IMAGE_DOWNLOAD_PHASE_UNPACKING);
    download.set_received_bytes(100);
    download.set_total_bytes(100);
    EXPECT_EQ(download_table_row(download),
              (std::vector<std::string>{"dummy/sleeper/1.0.0", "unpacking"}));
}

TEST(ImageView, ImageRowHasItsRequirements) {
    v1::ImageInfo image;
    image.set_name("litecoin/regtest/0.21.2.1");
    image.set_vcpu_count(1);
    image.set_mem_size_mb(1024);
    image.set_disk_size_gb(10);
    image.add_methods("height");
    EXPECT_EQ(image_table_row(image), (std::vector<std::string>{"litecoin/regtest/0.21.2.1", "1",
                                                                "1.0 GiB", "10.0 GiB", "1"}));
    EXPECT_EQ(image_table_header().size(), image_table_row(image).size());
}

}  // namespace
}  // namespace bv::cli
