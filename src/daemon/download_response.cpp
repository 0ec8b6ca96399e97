#include "daemon/download_response.hpp"

#include <charconv>
#include <optional>

namespace bv::daemon {
namespace {

using Then = DownloadFailure::Then;

std::optional<std::uint64_t> number(std::string_view text) {
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || text.empty())
        return std::nullopt;
    return value;
}

struct ContentRange {
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    std::optional<std::uint64_t> total;  // "*": not said
};

// "bytes 100-999/1000" (RFC 9110 14.4).
std::optional<ContentRange> parse_content_range(std::string_view text) {
    if (!text.starts_with("bytes ")) return std::nullopt;
    text.remove_prefix(6);
    const auto dash = text.find('-');
    const auto slash = text.find('/');
    if (dash == std::string_view::npos || slash == std::string_view::npos || dash > slash)
        return std::nullopt;
    const auto first = number(text.substr(0, dash));
    const auto last = number(text.substr(dash + 1, slash - dash - 1));
    const auto total_text = text.substr(slash + 1);
    if (!first || !last || *last < *first) return std::nullopt;
    ContentRange range{*first, *last, std::nullopt};
    if (total_text != "*") {
        range.total = number(total_text);
        if (!range.total) return std::nullopt;
    }
    return range;
}

DownloadFailure wrong_size(const std::string& url, std::uint64_t server_size, std::uint64_t size) {
    return DownloadFailure(rpc::Code::data_loss,
                           "the archive at " + url + " is " + std::to_string(server_size) +
                               " bytes, the control plane said " + std::to_string(size) +
                               ": refused",
                           Then::give_up);
}

rpc::Code code_of_refusal(int status) {
    switch (status) {
        case 401:
            return rpc::Code::unauthenticated;
        case 403:
            return rpc::Code::permission_denied;
        case 404:
        case 410:
            return rpc::Code::not_found;
        default:
            return rpc::Code::failed_precondition;
    }
}

}  // namespace

std::string range_from(std::uint64_t offset) {
    return "bytes=" + std::to_string(offset) + "-";
}

std::uint64_t body_start(const DownloadResponseHead& head, std::uint64_t offset, std::uint64_t size,
                         const std::string& url) {
    const auto said = "GET " + url + ": HTTP " + std::to_string(head.status);
    if (head.status == 200) {
        const auto length = number(head.content_length);
        if (length && *length != size) throw wrong_size(url, *length, size);
        return 0;
    }
    if (head.status == 206) {
        const auto range = parse_content_range(head.content_range);
        if (!range) {
            throw DownloadFailure(
                rpc::Code::unavailable,
                said + " with a Content-Range of '" + std::string(head.content_range) + "'",
                Then::retry_from_start);
        }
        if (range->total && *range->total != size) throw wrong_size(url, *range->total, size);
        if (range->first != offset || range->last + 1 != size) {
            throw DownloadFailure(rpc::Code::unavailable,
                                  said + ": bytes " + std::to_string(range->first) + "-" +
                                      std::to_string(range->last) + ", not the " +
                                      std::to_string(offset) + "-" + std::to_string(size - 1) +
                                      " asked for",
                                  Then::retry_from_start);
        }
        return offset;
    }
    if (head.status == 416) {
        throw DownloadFailure(
            rpc::Code::unavailable,
            said + ": the server has nothing from byte " + std::to_string(offset) + " on",
            Then::retry_from_start);
    }
    if (head.status == 408 || head.status == 429 || head.status >= 500) {
        throw DownloadFailure(rpc::Code::unavailable, said, Then::retry);
    }
    throw DownloadFailure(code_of_refusal(head.status), said, Then::give_up);
}

}  // namespace bv::daemon
