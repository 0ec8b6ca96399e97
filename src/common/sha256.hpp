#pragma once

#include <nettle/sha2.h>

#include <boost/asio/awaitable.hpp>
#include <filesystem>
#include <string>
#include <string_view>

namespace bv {

// SHA-256 of data that arrives piece by piece (a download), with nettle: the node side links
// no OpenSSL.
class Sha256 {
public:
    Sha256();
    void update(std::string_view data);
    // Lower-case hex of what was fed so far; starts over afterwards.
    std::string hex();

private:
    sha256_ctx context_{};
};

// Lower-case hex SHA-256.
std::string sha256_hex(std::string_view data);
// Feeds a file's content to `hasher`; throws std::system_error naming the file.
void sha256_update_from_file(Sha256& hasher, const std::filesystem::path& file);
// Of a file's content; throws std::system_error naming the file.
std::string sha256_file(const std::filesystem::path& file);
// The same on a worker thread, so that hashing a large file never blocks the io_context.
boost::asio::awaitable<std::string> sha256_file_async(std::filesystem::path file);

}  // namespace bv
