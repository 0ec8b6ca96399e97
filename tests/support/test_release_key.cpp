#include "support/test_release_key.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <stdexcept>

#include "common/sha256.hpp"
#include "install/bundle.hpp"

namespace bv::test {

TestReleaseKey::TestReleaseKey() : key_(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")) {
    if (!key_) throw std::runtime_error("cannot make an Ed25519 key");
}

TestReleaseKey::~TestReleaseKey() {
    EVP_PKEY_free(key_);
}

std::string TestReleaseKey::public_key_base64() const {
    unsigned char raw[32];
    std::size_t length = sizeof raw;
    EVP_PKEY_get_raw_public_key(key_, raw, &length);
    std::string encoded(48, '\0');
    const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()), raw,
                                        static_cast<int>(length));
    encoded.resize(static_cast<std::size_t>(written));
    return encoded;
}

std::string TestReleaseKey::public_key_pem() const {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_PUBKEY(bio.get(), key_);
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(length));
}

std::string TestReleaseKey::sign(const std::string& message) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                    EVP_MD_CTX_free);
    std::string signature(64, '\0');
    std::size_t length = signature.size();
    if (EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, key_) != 1 ||
        EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                       reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) != 1) {
        throw std::runtime_error("cannot sign with the test key");
    }
    return signature;
}

std::vector<ArchiveEntrySpec> signed_bundle_entries(const std::string& version,
                                                    const std::map<std::string, std::string>& files,
                                                    const TestReleaseKey& key) {
    install::Manifest manifest{version, {}};
    std::vector<ArchiveEntrySpec> entries;
    for (const auto& [path, content] : files) {
        manifest.sha256_of[path] = sha256_hex(content);
        entries.push_back(file_entry(path, content, path.starts_with("bin/") ? 0755 : 0644));
    }
    const auto json = install::manifest_json(manifest);
    entries.push_back(file_entry("manifest.json", json));
    entries.push_back(file_entry("manifest.sig", key.sign(json)));
    return entries;
}

}  // namespace bv::test
