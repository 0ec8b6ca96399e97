#include "api/tls_material.hpp"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "common/files.hpp"

namespace bv::api {
namespace {

namespace fs = std::filesystem;

template <class T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* pointer) const { Free(pointer); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Certificate = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

constexpr long kCaDays = 3650;
constexpr long kServerDays = 825;  // the longest validity clients such as Apple's accept
constexpr int kRenewWithinDays = 30;

[[noreturn]] void fail(const std::string& what) {
    const auto code = ERR_get_error();
    char reason[256] = "unknown reason";
    if (code != 0) ERR_error_string_n(code, reason, sizeof reason);
    ERR_clear_error();
    throw std::runtime_error("TLS: " + what + ": " + reason);
}

bool is_ip_address(const std::string& name) {
    in6_addr address{};
    return inet_pton(AF_INET, name.c_str(), &address) == 1 || inet_pton(AF_INET6, name.c_str(), &address) == 1;
}

Key new_key() {
    Key key(EVP_EC_gen("P-256"));
    if (!key) fail("cannot make an ECDSA P-256 key");
    return key;
}

std::string pem_of_key(EVP_PKEY* key) {
    Bio bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        fail("cannot write a private key");
    }
    char* data = nullptr;
    const auto size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

std::string pem_of_certificate(X509* certificate) {
    Bio bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), certificate) != 1) fail("cannot write a certificate");
    char* data = nullptr;
    const auto size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

Bio open_file(const fs::path& file) {
    Bio bio(BIO_new_file(file.c_str(), "r"));
    if (!bio) fail("cannot read " + file.string());
    return bio;
}

Key read_key(const fs::path& file) {
    auto bio = open_file(file);
    Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key) fail("cannot read the private key " + file.string());
    return key;
}

Certificate read_certificate(const fs::path& file) {
    auto bio = open_file(file);
    Certificate certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!certificate) fail("cannot read the certificate " + file.string());
    return certificate;
}

void add_extension(X509* certificate, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
    if (extension == nullptr || X509_add_ext(certificate, extension, -1) != 1) {
        X509_EXTENSION_free(extension);
        fail("cannot add the certificate extension " + value);
    }
    X509_EXTENSION_free(extension);
}

// A certificate for `key` issued by `issuer` (by itself when null: the CA), to be signed once
// its extensions are in.
Certificate new_certificate(EVP_PKEY* key, const std::string& common_name, long days, X509* issuer) {
    Certificate certificate(X509_new());
    if (!certificate) fail("out of memory");
    X509_set_version(certificate.get(), 2);  // v3: extensions
    // A random 127-bit serial: no two certificates of this CA share one.
    std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>> serial(BN_new());
    if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
        BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(certificate.get())) == nullptr) {
        fail("cannot make a serial number");
    }
    X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -60 * 60);  // clocks a little behind
    X509_gmtime_adj(X509_getm_notAfter(certificate.get()), days * 24 * 60 * 60);
    X509_set_pubkey(certificate.get(), key);
    auto* name = X509_get_subject_name(certificate.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("BlockVisor bv-api"), -1,
                               -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()),
                               -1, -1, 0);
    X509* signer = issuer != nullptr ? issuer : certificate.get();
    X509_set_issuer_name(certificate.get(), X509_get_subject_name(signer));
    add_extension(certificate.get(), signer, NID_subject_key_identifier, "hash");
    if (issuer != nullptr) add_extension(certificate.get(), signer, NID_authority_key_identifier, "keyid:always");
    return certificate;
}

void sign(X509* certificate, EVP_PKEY* issuer_key) {
    if (X509_sign(certificate, issuer_key, EVP_sha256()) == 0) fail("cannot sign a certificate");
}

std::vector<std::string> names_in(X509* certificate) {
    std::vector<std::string> names;
    auto* alternatives =
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
    if (alternatives == nullptr) return names;
    for (int i = 0; i < sk_GENERAL_NAME_num(alternatives); ++i) {
        const auto* name = sk_GENERAL_NAME_value(alternatives, i);
        if (name->type == GEN_DNS) {
            const auto* text = ASN1_STRING_get0_data(name->d.dNSName);
            names.emplace_back(reinterpret_cast<const char*>(text), static_cast<std::size_t>(ASN1_STRING_length(name->d.dNSName)));
        } else if (name->type == GEN_IPADD) {
            const auto* bytes = ASN1_STRING_get0_data(name->d.iPAddress);
            char text[INET6_ADDRSTRLEN] = "";
            const int family = ASN1_STRING_length(name->d.iPAddress) == 4 ? AF_INET : AF_INET6;
            inet_ntop(family, bytes, text, sizeof text);
            names.emplace_back(text);
        }
    }
    GENERAL_NAMES_free(alternatives);
    std::ranges::sort(names);
    return names;
}

// A server certificate still good for these names: the same names, signed by this CA, of this
// key (a crash between writing the key and the certificate leaves them apart), and not expiring
// soon.
bool usable(const fs::path& certificate_file, const fs::path& key_file, X509* ca, std::vector<std::string> names) {
    if (!fs::exists(certificate_file) || !fs::exists(key_file)) return false;
    const auto certificate = read_certificate(certificate_file);
    const auto key = read_key(key_file);
    if (X509_check_private_key(certificate.get(), key.get()) != 1) {
        ERR_clear_error();
        return false;
    }
    std::ranges::sort(names);
    if (names_in(certificate.get()) != names) return false;
    if (X509_verify(certificate.get(), X509_get0_pubkey(ca)) != 1) {
        ERR_clear_error();
        return false;
    }
    const std::time_t renew_at = std::time(nullptr) + kRenewWithinDays * 24 * 60 * 60;
    return X509_cmp_time(X509_get0_notAfter(certificate.get()), const_cast<std::time_t*>(&renew_at)) > 0;
}

}  // namespace

std::vector<std::string> server_names(const std::string& listen_host, const std::string& public_host,
                                      const std::string& machine_hostname) {
    std::vector<std::string> names{"127.0.0.1", "::1", "localhost"};
    for (const auto& name : {machine_hostname, listen_host, public_host}) {
        const bool wildcard = name == "0.0.0.0" || name == "::";
        if (!name.empty() && !wildcard && std::ranges::find(names, name) == names.end()) names.push_back(name);
    }
    return names;
}

TlsFiles ensure_tls_material(const fs::path& tls_dir, const std::vector<std::string>& names) {
    fs::create_directories(tls_dir);
    const TlsFiles files{tls_dir / "ca.pem", tls_dir / "server.pem", tls_dir / "server-key.pem"};
    const auto ca_key_file = tls_dir / "ca-key.pem";
    if (!fs::exists(files.ca_certificate) || !fs::exists(ca_key_file)) {
        auto key = new_key();
        auto certificate = new_certificate(key.get(), "bv-api certificate authority", kCaDays, nullptr);
        add_extension(certificate.get(), certificate.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
        add_extension(certificate.get(), certificate.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
        sign(certificate.get(), key.get());
        // The key first: a CA certificate without its key would be useless.
        write_file_atomically(ca_key_file, pem_of_key(key.get()), 0600);
        write_file_atomically(files.ca_certificate, pem_of_certificate(certificate.get()), 0644);
    }
    const auto ca = read_certificate(files.ca_certificate);
    if (usable(files.server_certificate, files.server_key, ca.get(), names)) return files;

    const auto ca_key = read_key(ca_key_file);
    auto key = new_key();
    auto certificate = new_certificate(key.get(), names.front(), kServerDays, ca.get());
    std::string alternatives;
    for (const auto& name : names) {
        alternatives += (alternatives.empty() ? "" : ",") + std::string(is_ip_address(name) ? "IP:" : "DNS:") + name;
    }
    add_extension(certificate.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
    add_extension(certificate.get(), ca.get(), NID_key_usage, "critical,digitalSignature");
    add_extension(certificate.get(), ca.get(), NID_ext_key_usage, "serverAuth");
    add_extension(certificate.get(), ca.get(), NID_subject_alt_name, alternatives);
    sign(certificate.get(), ca_key.get());
    write_file_atomically(files.server_key, pem_of_key(key.get()), 0600);
    write_file_atomically(files.server_certificate,
                          pem_of_certificate(certificate.get()) + pem_of_certificate(ca.get()), 0644);
    return files;
}

}  // namespace bv::api
