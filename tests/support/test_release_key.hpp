#pragma once

// An Ed25519 release key made for a test (OpenSSL), and bundles signed with it: what
// scripts/bundle makes from a build, made here entry by entry so tests can break them.

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/test_archives.hpp"

typedef struct evp_pkey_st EVP_PKEY;

namespace bv::test {

class TestReleaseKey {
  public:
    TestReleaseKey();
    ~TestReleaseKey();
    TestReleaseKey(const TestReleaseKey&) = delete;
    TestReleaseKey& operator=(const TestReleaseKey&) = delete;

    // As a host config's release_public_keys takes it: base64 of the raw 32 bytes.
    std::string public_key_base64() const;
    std::string public_key_pem() const;
    // 64 raw bytes.
    std::string sign(const std::string& message) const;

  private:
    EVP_PKEY* key_ = nullptr;
};

// The entries of a bundle of `version` holding `files` (path -> content), with a manifest
// listing them and its signature by `key`.
std::vector<ArchiveEntrySpec> signed_bundle_entries(const std::string& version,
                                                    const std::map<std::string, std::string>& files,
                                                    const TestReleaseKey& key);

}  // namespace bv::test
