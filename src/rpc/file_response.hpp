#pragma once

// Plain files over HTTP GET and HEAD with single byte ranges (RFC 9110 section 14): what the server
// answers on the paths a Router mounts with Router::files(), for downloads that resume.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace bv::rpc {

struct ByteRange {
    std::uint64_t first = 0;
    std::uint64_t length = 0;
};

// What a Range header asks of `size` bytes. Whole: no header, a unit other than bytes, or several
// ranges (a server may answer those with the whole file, and this one does). Unsatisfiable: a
// range that starts past the end, or one that does not parse ("bytes=9-3", "bytes=x").
struct RangeRequest {
    enum class Kind { whole, partial, unsatisfiable };
    Kind kind = Kind::whole;
    ByteRange range;  // for partial: within the file
};
RangeRequest parse_range(std::string_view header, std::uint64_t size);

// A file's bytes from an offset, read piece by piece on a worker thread (a cold disk must not
// stall the server's other connections).
class FileContent {
public:
    FileContent() = default;
    // Owns `fd` (closes it).
    explicit FileContent(int fd) : fd_(fd) {}
    ~FileContent();
    FileContent(FileContent&& other) noexcept;
    FileContent& operator=(FileContent&& other) noexcept;

    // The bytes to send (none until selected: a HEAD only needs the file's size).
    void select(ByteRange range) {
        offset_ = range.first;
        remaining_ = range.length;
    }
    bool done() const { return remaining_ == 0; }
    // The next piece, up to 256 KiB. Throws boost::system::system_error when the read fails or
    // the file became shorter (the connection then ends: a response cut short is all it can say).
    boost::asio::awaitable<std::string> read_some();

private:
    int fd_ = -1;
    std::uint64_t offset_ = 0;
    std::uint64_t remaining_ = 0;
};

struct FileAnswer {
    // The status line and headers, and for errors a short text body.
    std::string head;
    // What follows the head: the file's bytes (none for HEAD and for errors).
    FileContent content;
};

// The answer to a GET (or a HEAD) of `relative_path` under `directory`: 200, 206, 404 (missing,
// not a regular file, or a path that is not a plain relative one: "..", "//", "%"), 416.
FileAnswer answer_file_request(const std::filesystem::path& directory, std::string_view relative_path,
                               bool head_only, std::string_view range_header, bool keep_alive);

}  // namespace bv::rpc
