#pragma once

// What the answer to a (ranged) GET of an image archive means for the partial file on disk:
// pure functions, so that every status and header combination is tested without a server.

#include <cstdint>
#include <string>
#include <string_view>

#include "rpc/error.hpp"

namespace bv::daemon {

// A download that cannot go on as it is, and what to do about it.
class DownloadFailure : public rpc::Error {
public:
    enum class Then {
        retry,             // try again later, resuming from what is on disk
        retry_from_start,  // what is on disk is no use: delete it, then try again
        give_up,           // trying again cannot help: delete what is on disk
    };
    DownloadFailure(rpc::Code code, std::string message, Then then)
        : rpc::Error(code, std::move(message)), then_(then) {}
    Then then() const { return then_; }

private:
    Then then_;
};

// The value of a Range header asking for the bytes from `offset` on.
std::string range_from(std::uint64_t offset);

struct DownloadResponseHead {
    int status = 0;
    std::string_view content_range;   // empty when absent
    std::string_view content_length;  // empty when absent
};

// Where the body of the answer to a GET of `url` goes in the partial file when `offset` bytes
// are on disk (and were asked to be skipped with range_from): 0 (the whole archive: start
// over) or `offset` (the rest: append). `size` is the archive's size the control plane gave.
// Throws DownloadFailure for everything else.
std::uint64_t body_start(const DownloadResponseHead& head, std::uint64_t offset, std::uint64_t size,
                         const std::string& url);

}  // namespace bv::daemon
