#pragma once

#include <string>
#include <vector>

#include "blockvisor/v1/image.pb.h"

namespace bv::cli {

// How bv shows images: plain functions from the API's messages to text, apart from the I/O.

// `bv image list`: the cached images, one row each.
std::vector<std::string> image_table_header();
std::vector<std::string> image_table_row(const blockvisor::v1::ImageInfo& image);

// `bv image list`, below the images: "downloading 43% (1.2 GiB of 2.8 GiB)", "unpacking"; with
// `bar` (on a terminal) "downloading [#########...........]  43% 1.2 GiB of 2.8 GiB".
std::vector<std::string> download_table_header();
std::vector<std::string> download_table_row(const blockvisor::v1::ImageDownload& download, bool bar = false);

}  // namespace bv::cli
