// What a Connect server and client read from headers and error bodies: Content-Type,
// Connect-Timeout-Ms, Range, and the error JSON of a failed call.

#include "fuzz_input.hpp"
#include "rpc/error.hpp"
#include "rpc/file_response.hpp"
#include "rpc/protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto parts = bv::fuzz::parts_of(bv::fuzz::text_of(data, size), 4);
    (void)bv::rpc::parse_content_type(parts[0]);
    if (const auto timeout = bv::rpc::parse_timeout(parts[1])) {
        bv::fuzz::require(timeout->count() >= 0, "a timeout is never negative");
    }
    const std::uint64_t file_size = parts[3].size() * 1000;
    const auto range = bv::rpc::parse_range(parts[2], file_size);
    if (range.kind == bv::rpc::RangeRequest::Kind::partial) {
        bv::fuzz::require(range.range.length > 0, "a partial range is never empty");
        bv::fuzz::require(range.range.first < file_size && range.range.length <= file_size - range.range.first,
                          "a partial range lies within the file");
    }
    for (const int status : {200, 400, 404, 500, 503}) {
        const auto error = bv::rpc::error_of_response(status, "application/json", parts[3]);
        (void)bv::rpc::error_to_json(error);
    }
    return 0;
}
