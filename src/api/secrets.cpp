#include "api/secrets.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <stdexcept>

namespace bv::api {
namespace {

template <std::size_t Size>
std::array<std::uint8_t, Size> random_bytes() {
    std::array<std::uint8_t, Size> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw std::runtime_error("cannot get random bytes from OpenSSL");
    }
    return bytes;
}

constexpr char kHex[] = "0123456789abcdef";

}  // namespace

std::string random_token() {
    std::string token;
    for (const auto byte : random_bytes<32>()) {
        token.push_back(kHex[byte >> 4]);
        token.push_back(kHex[byte & 0xf]);
    }
    return token;
}

std::string random_otp() {
    // Crockford's base 32 (no i, l, o, u: nothing to mistake for 1 or 0): each symbol takes 5
    // bits of a random byte, so every symbol is equally likely.
    constexpr std::string_view kSymbols = "0123456789abcdefghjkmnpqrstvwxyz";
    static_assert(kSymbols.size() == 32);
    std::string otp;
    const auto bytes = random_bytes<16>();
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i > 0 && i % 4 == 0) otp.push_back('-');
        otp.push_back(kSymbols[bytes[i] & 31]);
    }
    return otp;
}

bool secrets_equal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace bv::api
