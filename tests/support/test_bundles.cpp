#include "support/test_bundles.hpp"

#include <map>
#include <stdexcept>

#include "common/files.hpp"
#include "support/process.hpp"
#include "support/test_archives.hpp"

namespace bv::test {

namespace fs = std::filesystem;

fs::path test_bundle_dir() {
    return fs::path(std::string(BV_BINARY_DIR) + "-bundle");
}

fs::path real_bundle(const std::string& version) {
    return test_bundle_dir() / "bundles" / ("blockvisor-" + version + ".tar.gz");
}

std::string real_bundle_key() {
    auto key = read_file(test_bundle_dir() / "key/release.pub.b64");
    while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
    return key;
}

fs::path broken_bundle(const fs::path& work_dir, const std::string& version,
                       const std::string& real_version, Breakage breakage,
                       const TestReleaseKey& key) {
    const auto unpacked = work_dir / ("real-" + real_version);
    if (!fs::exists(unpacked)) {
        fs::create_directories(unpacked);
        const auto tar =
            run({"tar", "xzf", real_bundle(real_version).string(), "-C", unpacked.string()});
        if (tar.exit_code != 0)
            throw std::runtime_error("cannot unpack " + real_bundle(real_version).string() + ": " +
                                     tar.err);
    }
    std::string bvd;
    switch (breakage) {
        case Breakage::crash_at_start:
            bvd = "echo 'bvd (test bundle): crashing at start' >&2; exit 1";
            break;
        case Breakage::answers_as_old_version:
            bvd = "exec \"$3/opt/blockvisor/1.0.0/bin/blockvisor\" \"$@\"";
            break;
        case Breakage::crash_on_marker:
            bvd =
                "if [ -e \"$3/crash-bvd\" ]; then echo 'bvd (test bundle): crash-bvd exists' >&2; "
                "exit 1; fi";
            break;
    }
    // bvd's argv: bvd --root R ("$3" is the root).
    const auto script =
        "#!/bin/sh\n# A test bundle's blockvisor: breaks bvd, runs anything else for real.\n"
        "if [ \"$1\" = bvd ]; then " +
        bvd +
        "; fi\n"
        "exec \"$(dirname \"$0\")/blockvisor.real\" \"$@\"\n";
    const std::map<std::string, std::string> files{
        {"bin/blockvisor", script},
        {"bin/blockvisor.real", read_file(unpacked / "bin/blockvisor")},
        {"bin/bv-node", read_file(unpacked / "bin/bv-node")},
        {"blockvisor.service", read_file(unpacked / "blockvisor.service")},
    };
    const auto bundle = work_dir / ("blockvisor-" + version + "-broken.tar.gz");
    write_test_archive(bundle, signed_bundle_entries(version, files, key));
    return bundle;
}

}  // namespace bv::test
