#include "common/sha256.hpp"

#include "common/worker_pool.hpp"

#include <openssl/evp.h>

#include <cerrno>
#include <fstream>
#include <memory>
#include <system_error>

namespace bv {
namespace {

class Digest {
public:
    Digest() : context_(EVP_MD_CTX_new(), EVP_MD_CTX_free) { EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr); }
    void update(const void* data, std::size_t size) { EVP_DigestUpdate(context_.get(), data, size); }
    std::string hex() {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int size = 0;
        EVP_DigestFinal_ex(context_.get(), digest, &size);
        static constexpr char kHex[] = "0123456789abcdef";
        std::string text;
        for (unsigned int i = 0; i < size; ++i) {
            text.push_back(kHex[digest[i] >> 4]);
            text.push_back(kHex[digest[i] & 0xf]);
        }
        return text;
    }

private:
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context_;
};

}  // namespace

std::string sha256_hex(std::string_view data) {
    Digest digest;
    digest.update(data.data(), data.size());
    return digest.hex();
}

std::string sha256_file(const std::filesystem::path& file) {
    std::ifstream input(file, std::ios::binary);
    if (!input) throw std::system_error(errno, std::generic_category(), "cannot read " + file.string());
    Digest digest;
    std::vector<char> buffer(1 << 20);
    while (input) {
        input.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        digest.update(buffer.data(), static_cast<std::size_t>(input.gcount()));
    }
    if (input.bad()) throw std::system_error(errno, std::generic_category(), "cannot read " + file.string());
    return digest.hex();
}

boost::asio::awaitable<std::string> sha256_file_async(std::filesystem::path file) {
    co_return co_await run_in_worker([file] { return sha256_file(file); });
}

}  // namespace bv
