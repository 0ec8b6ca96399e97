#include "common/sha256.hpp"

#include <cerrno>
#include <cstdint>
#include <fstream>
#include <system_error>
#include <vector>

#include "common/worker_pool.hpp"

namespace bv {

Sha256::Sha256() {
    sha256_init(&context_);
}

void Sha256::update(std::string_view data) {
    sha256_update(&context_, data.size(), reinterpret_cast<const std::uint8_t*>(data.data()));
}

std::string Sha256::hex() {
    std::uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_digest(&context_, sizeof digest, digest);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string text;
    for (const auto byte : digest) {
        text.push_back(kHex[byte >> 4]);
        text.push_back(kHex[byte & 0xf]);
    }
    return text;
}

std::string sha256_hex(std::string_view data) {
    Sha256 hasher;
    hasher.update(data);
    return hasher.hex();
}

void sha256_update_from_file(Sha256& hasher, const std::filesystem::path& file) {
    std::ifstream input(file, std::ios::binary);
    if (!input)
        throw std::system_error(errno, std::generic_category(), "cannot read " + file.string());
    std::vector<char> buffer(1 << 20);
    while (input) {
        input.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        hasher.update(std::string_view(buffer.data(), static_cast<std::size_t>(input.gcount())));
    }
    if (input.bad())
        throw std::system_error(errno, std::generic_category(), "cannot read " + file.string());
}

std::string sha256_file(const std::filesystem::path& file) {
    Sha256 hasher;
    sha256_update_from_file(hasher, file);
    return hasher.hex();
}

boost::asio::awaitable<std::string> sha256_file_async(std::filesystem::path file) {
    co_return co_await run_in_worker([file] { return sha256_file(file); });
}

}  // namespace bv
