#include "rpc/file_response.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/system/system_error.hpp>
#include <cerrno>
#include <charconv>
#include <ctime>
#include <optional>
#include <utility>

#include "common/worker_pool.hpp"
#include "rpc/protocol.hpp"

namespace bv::rpc {
namespace {

constexpr std::uint64_t kMaxPiece = 256 * 1024;

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

// Digits only; a number too large for 64 bits is the largest one (for a position, "past any end").
std::optional<std::uint64_t> parse_position(std::string_view text) {
    if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc::result_out_of_range) return UINT64_MAX;
    return value;
}

RangeRequest unsatisfiable() { return {RangeRequest::Kind::unsatisfiable, {}}; }
RangeRequest partial(std::uint64_t first, std::uint64_t last) {
    return {RangeRequest::Kind::partial, {first, last - first + 1}};
}

// "a/b.tar.gz" yes; "", "/a", "a//b", "a/../b", "a/./b", "a%2fb", "a\b" no.
bool is_plain_relative_path(std::string_view path) {
    if (path.empty() || path.find_first_of("%\\") != std::string_view::npos || path.find('\0') != std::string_view::npos) {
        return false;
    }
    std::size_t start = 0;
    while (start <= path.size()) {
        const auto end = std::min(path.find('/', start), path.size());
        const auto segment = path.substr(start, end - start);
        if (segment.empty() || segment == "." || segment == "..") return false;
        start = end + 1;
    }
    return true;
}

std::string http_date(std::time_t time) {
    std::tm parts{};
    gmtime_r(&time, &parts);
    char text[64];
    std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &parts);
    return text;
}

std::string status_line(int status) {
    switch (status) {
        case 200: return "HTTP/1.1 200 OK\r\n";
        case 206: return "HTTP/1.1 206 Partial Content\r\n";
        case 404: return "HTTP/1.1 404 Not Found\r\n";
        default: return "HTTP/1.1 416 Range Not Satisfiable\r\n";
    }
}

std::string common_headers(bool keep_alive) {
    return "Date: " + http_date(std::time(nullptr)) + "\r\nAccept-Ranges: bytes\r\nConnection: " +
           (keep_alive ? "keep-alive" : "close") + "\r\n";
}

FileAnswer text_answer(int status, const std::string& headers, const std::string& text, bool head_only,
                       bool keep_alive) {
    const auto body = text + "\n";
    FileAnswer answer;
    answer.head = status_line(status) + common_headers(keep_alive) + headers +
                  "Content-Type: text/plain; charset=utf-8\r\nContent-Length: " + std::to_string(body.size()) +
                  "\r\n\r\n" + (head_only ? "" : body);
    return answer;
}

}  // namespace

RangeRequest parse_range(std::string_view header, std::uint64_t size) {
    header = trim(header);
    if (header.empty()) return {};
    const auto equals = header.find('=');
    if (equals == std::string_view::npos) return unsatisfiable();
    if (ascii_lowercase(trim(header.substr(0, equals))) != "bytes") return {};
    const auto spec = trim(header.substr(equals + 1));
    if (spec.find(',') != std::string_view::npos) return {};
    const auto dash = spec.find('-');
    if (dash == std::string_view::npos) return unsatisfiable();
    const auto first_text = trim(spec.substr(0, dash));
    const auto last_text = trim(spec.substr(dash + 1));
    if (first_text.empty()) {
        // "-N": the last N bytes.
        const auto suffix = parse_position(last_text);
        if (!suffix || *suffix == 0 || size == 0) return unsatisfiable();
        return partial(*suffix >= size ? 0 : size - *suffix, size - 1);
    }
    const auto first = parse_position(first_text);
    if (!first) return unsatisfiable();
    std::uint64_t last = UINT64_MAX;
    if (!last_text.empty()) {
        const auto parsed = parse_position(last_text);
        if (!parsed || *parsed < *first) return unsatisfiable();
        last = *parsed;
    }
    if (*first >= size) return unsatisfiable();
    return partial(*first, std::min(last, size - 1));
}

FileContent::~FileContent() {
    if (fd_ >= 0) ::close(fd_);
}

FileContent::FileContent(FileContent&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), offset_(other.offset_), remaining_(std::exchange(other.remaining_, 0)) {}

FileContent& FileContent::operator=(FileContent&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
        offset_ = other.offset_;
        remaining_ = std::exchange(other.remaining_, 0);
    }
    return *this;
}

boost::asio::awaitable<std::string> FileContent::read_some() {
    const auto want = std::min(remaining_, kMaxPiece);
    auto piece = co_await run_in_worker([fd = fd_, offset = offset_, want] {
        std::string bytes(want, '\0');
        ssize_t got = -1;
        do {
            got = ::pread(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset));
        } while (got < 0 && errno == EINTR);
        if (got <= 0) {
            throw boost::system::system_error(got < 0 ? errno : EIO, boost::system::generic_category(),
                                              "reading a file being served");
        }
        bytes.resize(static_cast<std::size_t>(got));
        return bytes;
    });
    offset_ += piece.size();
    remaining_ -= piece.size();
    co_return piece;
}

FileAnswer answer_file_request(const std::filesystem::path& directory, std::string_view relative_path,
                               bool head_only, std::string_view range_header, bool keep_alive) {
    const auto not_found = [&] {
        return text_answer(404, "", "not found: " + std::string(relative_path), head_only, keep_alive);
    };
    if (!is_plain_relative_path(relative_path)) return not_found();
    const auto file = directory / std::string(relative_path);
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return not_found();
    FileAnswer answer;
    answer.content = FileContent(fd);  // closes the file on every way out
    struct stat status {};
    if (::fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) return not_found();
    const auto size = static_cast<std::uint64_t>(status.st_size);

    const auto range = parse_range(range_header, size);
    if (range.kind == RangeRequest::Kind::unsatisfiable) {
        return text_answer(416, "Content-Range: bytes */" + std::to_string(size) + "\r\n",
                           "range not satisfiable: '" + std::string(range_header) + "' of " + std::to_string(size) +
                               " bytes",
                           head_only, keep_alive);
    }
    const bool partial = range.kind == RangeRequest::Kind::partial;
    const ByteRange bytes = partial ? range.range : ByteRange{0, size};
    answer.head = status_line(partial ? 206 : 200) + common_headers(keep_alive) +
                  "Content-Type: application/octet-stream\r\nContent-Length: " + std::to_string(bytes.length) + "\r\n";
    if (partial) {
        answer.head += "Content-Range: bytes " + std::to_string(bytes.first) + "-" +
                       std::to_string(bytes.first + bytes.length - 1) + "/" + std::to_string(size) + "\r\n";
    }
    answer.head += "\r\n";
    if (!head_only) answer.content.select(bytes);
    return answer;
}

}  // namespace bv::rpc
