#pragma once

#include <string>
#include <string_view>

namespace bv::api {

// Random values from OpenSSL's CSPRNG. Each throws std::runtime_error when it cannot get
// randomness (it never falls back to a weaker source).

// 32 bytes as 64 lower-case hex digits: access, refresh and admin tokens.
std::string random_token();
// 80 bits a person can type: four groups of four letters and digits without look-alikes
// ("7kq2-m9xd-4fhp-ww3c").
std::string random_otp();
// Compares secrets in time that does not depend on where they differ.
bool secrets_equal(std::string_view a, std::string_view b);

}  // namespace bv::api
