#pragma once

#include <filesystem>
#include <string>

namespace bv::test {

// A self-signed server certificate for 127.0.0.1, localhost and `dns_name` (when not empty),
// made with the openssl command in `dir`: cert.pem (also the CA a client trusts) and key.pem.
struct TestCertificate {
    std::filesystem::path certificate;
    std::filesystem::path key;
};
TestCertificate make_test_certificate(const std::filesystem::path& dir,
                                      const std::string& dns_name = {});

}  // namespace bv::test
