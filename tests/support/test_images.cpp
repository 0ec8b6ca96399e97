#include "support/test_images.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include "support/host_under_test.hpp"
#include "support/process.hpp"

namespace bv::test {

namespace {

// Rebuilt when a source of the image (babel.toml, contents) or scripts/build-image is newer
// than the cached build.
bool built_after_its_sources(const std::filesystem::path& built, const std::filesystem::path& sources) {
    if (!std::filesystem::exists(built / "babel.toml")) return false;
    const auto built_at = std::filesystem::last_write_time(built / "babel.toml");
    if (std::filesystem::last_write_time(std::filesystem::path(BV_SOURCE_DIR) / "scripts/build-image") > built_at) return false;
    for (const auto& source : std::filesystem::directory_iterator(sources)) {
        if (source.last_write_time() > built_at) return false;
    }
    return true;
}

std::filesystem::path cached_image(const std::string& image, const std::string& version, bool vm) {
    const std::filesystem::path cache = std::filesystem::path(BV_BINARY_DIR) / "test-images";
    std::filesystem::create_directories(cache);
    const auto dir = cache / (image + (version.empty() ? "" : "-" + version) + (vm ? "-vm" : ""));
    const int lock = ::open((cache / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    ::flock(lock, LOCK_EX);
    if (!built_after_its_sources(dir, std::filesystem::path(BV_SOURCE_DIR) / "images" / image)) {
        std::vector<std::string> argv{std::string(BV_SOURCE_DIR) + "/scripts/build-image"};
        if (vm) argv.emplace_back("--vm");
        argv.insert(argv.end(), {image, dir.string()});
        if (!version.empty()) argv.push_back(version);
        const auto built = run(argv, std::chrono::minutes(5), {{"BV_NODE", node_binary()}});
        if (built.exit_code != 0) {
            ::close(lock);
            throw std::runtime_error("building image " + image + " failed: " + built.err);
        }
    }
    ::close(lock);
    return dir;
}

}  // namespace

std::filesystem::path test_image(const std::string& image, const std::string& version) {
    return cached_image(image, version, false);
}

std::filesystem::path test_vm_image(const std::string& image, const std::string& version) {
    return cached_image(image, version, true);
}

std::vector<NodeProcess> processes_in(const std::filesystem::path& root) {
    std::vector<NodeProcess> found;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const auto name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::error_code link_error;
        const auto process_root = std::filesystem::read_symlink(entry.path() / "root", link_error);
        if (link_error || process_root != root) continue;
        std::ifstream comm(entry.path() / "comm");
        std::string command;
        std::getline(comm, command);
        std::ifstream stat(entry.path() / "stat");
        std::string line;
        std::getline(stat, line);
        const auto after_name = line.rfind(')');
        const char state = after_name != std::string::npos && after_name + 2 < line.size() ? line[after_name + 2] : '?';
        found.push_back({std::stoi(name), command, state});
    }
    return found;
}

}  // namespace bv::test
