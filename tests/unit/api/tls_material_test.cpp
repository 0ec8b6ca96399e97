#include "api/tls_material.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sys/stat.h>

#include <memory>

#include "common/files.hpp"
#include "support/process.hpp"

namespace bv::api {
namespace {

// Whether the server certificate verifies against the CA for `name` (as a TLS client checks it).
bool verifies(const TlsFiles& files, const std::string& name) {
    std::unique_ptr<X509_STORE, void (*)(X509_STORE*)> store(X509_STORE_new(), X509_STORE_free);
    X509_STORE_load_file(store.get(), files.ca_certificate.c_str());
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(files.server_certificate.c_str(), "r"), std::fclose);
    std::unique_ptr<X509, void (*)(X509*)> certificate(PEM_read_X509(file.get(), nullptr, nullptr, nullptr), X509_free);
    std::unique_ptr<X509_STORE_CTX, void (*)(X509_STORE_CTX*)> context(X509_STORE_CTX_new(), X509_STORE_CTX_free);
    X509_STORE_CTX_init(context.get(), store.get(), certificate.get(), nullptr);
    auto* parameters = X509_STORE_CTX_get0_param(context.get());
    if (name.find_first_not_of("0123456789.:") == std::string::npos) {
        X509_VERIFY_PARAM_set1_ip_asc(parameters, name.c_str());
    } else {
        X509_VERIFY_PARAM_set1_host(parameters, name.c_str(), 0);
    }
    return X509_verify_cert(context.get()) == 1;
}

mode_t mode_of(const std::filesystem::path& file) {
    struct stat status {};
    ::stat(file.c_str(), &status);
    return status.st_mode & 0777;
}

TEST(TlsMaterial, MakesACaAndAServerCertificateForTheNames) {
    test::TempDir dir("bv-api-tls");
    const auto files = ensure_tls_material(dir.path(), {"127.0.0.1", "::1", "localhost", "api.example.com"});
    EXPECT_TRUE(verifies(files, "127.0.0.1"));
    EXPECT_TRUE(verifies(files, "::1"));
    EXPECT_TRUE(verifies(files, "localhost"));
    EXPECT_TRUE(verifies(files, "api.example.com"));
    EXPECT_FALSE(verifies(files, "other.example.com"));
    EXPECT_FALSE(verifies(files, "10.0.0.1"));
    EXPECT_EQ(mode_of(files.server_key), 0600u);
    EXPECT_EQ(mode_of(dir.path() / "ca-key.pem"), 0600u);
}

TEST(TlsMaterial, KeepsEverythingWhenNothingChangedAndKeepsTheCaWhenNamesDo) {
    test::TempDir dir("bv-api-tls");
    const auto files = ensure_tls_material(dir.path(), {"127.0.0.1", "localhost"});
    const auto ca = read_file(files.ca_certificate);
    const auto server = read_file(files.server_certificate);
    ensure_tls_material(dir.path(), {"localhost", "127.0.0.1"});  // same names, other order
    EXPECT_EQ(read_file(files.server_certificate), server);
    ensure_tls_material(dir.path(), {"127.0.0.1", "localhost", "10.0.0.7"});
    EXPECT_EQ(read_file(files.ca_certificate), ca) << "hosts keep trusting the server";
    EXPECT_NE(read_file(files.server_certificate), server);
    EXPECT_TRUE(verifies(files, "10.0.0.7"));
}

TEST(TlsMaterial, AServerKeyThatDoesNotMatchItsCertificateIsMadeAgain) {
    test::TempDir dir("bv-api-tls");
    const auto files = ensure_tls_material(dir.path(), {"127.0.0.1"});
    const auto key = read_file(files.server_key);
    // As a crash between writing the new key and the new certificate leaves it.
    std::filesystem::copy_file(dir.path() / "ca-key.pem", files.server_key, std::filesystem::copy_options::overwrite_existing);
    ensure_tls_material(dir.path(), {"127.0.0.1"});
    EXPECT_NE(read_file(files.server_key), read_file(dir.path() / "ca-key.pem"));
    EXPECT_TRUE(verifies(files, "127.0.0.1"));
}

}  // namespace
}  // namespace bv::api
