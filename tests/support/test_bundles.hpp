#pragma once

// Self-update bundles for tests and benches: the real ones scripts/bundle made for the
// SelfUpdateTestBundles fixture, and broken variants of them that are real bundles too (their
// bin/blockvisor a script in front of a real binary, bin/blockvisor.real).

#include <filesystem>
#include <string>

#include "support/test_release_key.hpp"

namespace bv::test {

// build-bundle/ beside the build tree (BV_BINARY_DIR): bundles/ and key/.
std::filesystem::path test_bundle_dir();
// bundles/blockvisor-<version>.tar.gz (1.0.0 and 1.1.0 exist).
std::filesystem::path real_bundle(const std::string& version);
// What the real bundles' signature verifies with (base64 of the raw key).
std::string real_bundle_key();

enum class Breakage {
    crash_at_start,          // bvd exits 1 at once
    answers_as_old_version,  // bvd is 1.0.0's (installed beside it): never healthy as the new
                             // version
    crash_on_marker,         // bvd exits 1 when <root>/crash-bvd exists
};

// A bundle of `version` in `work_dir` around `real_version`'s binaries, signed with `key`.
std::filesystem::path broken_bundle(const std::filesystem::path& work_dir,
                                    const std::string& version, const std::string& real_version,
                                    Breakage breakage, const TestReleaseKey& key);

}  // namespace bv::test
