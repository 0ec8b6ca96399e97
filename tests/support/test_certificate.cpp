#include "support/test_certificate.hpp"

#include <stdexcept>

#include "support/process.hpp"

namespace bv::test {

TestCertificate make_test_certificate(const std::filesystem::path& dir,
                                      const std::string& dns_name) {
    TestCertificate made{dir / "cert.pem", dir / "key.pem"};
    const auto names =
        "subjectAltName=IP:127.0.0.1,DNS:localhost" + (dns_name.empty() ? "" : ",DNS:" + dns_name);
    const auto result = run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                             "1", "-subj", "/CN=localhost", "-addext", names, "-keyout",
                             made.key.string(), "-out", made.certificate.string()});
    if (result.exit_code != 0)
        throw std::runtime_error("openssl could not make a test certificate: " + result.err);
    return made;
}

}  // namespace bv::test
