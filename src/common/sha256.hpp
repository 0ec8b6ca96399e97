#pragma once

#include <boost/asio/awaitable.hpp>
#include <filesystem>
#include <string>
#include <string_view>

namespace bv {

// Lower-case hex SHA-256 (OpenSSL).
std::string sha256_hex(std::string_view data);
// Of a file's content; throws std::system_error naming the file.
std::string sha256_file(const std::filesystem::path& file);
// The same on a worker thread, so that hashing a large file never blocks the io_context.
boost::asio::awaitable<std::string> sha256_file_async(std::filesystem::path file);

}  // namespace bv
