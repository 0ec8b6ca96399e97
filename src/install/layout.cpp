#include "install/layout.hpp"

#include <cerrno>
#include <sstream>
#include <system_error>

#include "common/files.hpp"

namespace bv::install {

namespace fs = std::filesystem;

InstallLayout::InstallLayout(const HostPaths& paths)
    : install_dir(paths.install_dir),
      current(paths.install_dir / "current"),
      backup(paths.install_dir / "backup"),
      blacklist(paths.install_dir / "blacklist"),
      installer_state(paths.state_dir / "installer.json") {}

std::set<std::string> read_blacklist(const HostPaths& paths) {
    std::set<std::string> versions;
    const auto content = read_file_if_exists(InstallLayout(paths).blacklist);
    if (!content) return versions;
    std::istringstream lines(*content);
    for (std::string line; std::getline(lines, line);) {
        const auto first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos) continue;
        const auto last = line.find_last_not_of(" \t\r");
        versions.insert(line.substr(first, last - first + 1));
    }
    return versions;
}

void add_to_blacklist(const HostPaths& paths, const std::string& version) {
    auto versions = read_blacklist(paths);
    if (!versions.insert(version).second) return;
    std::string content;
    for (const auto& listed : versions) content += listed + "\n";
    const InstallLayout layout(paths);
    fs::create_directories(layout.install_dir);
    write_file_atomically(layout.blacklist, content);
}

std::optional<std::string> linked_version(const fs::path& link) {
    std::error_code ec;
    const auto target = fs::read_symlink(link, ec);
    if (ec == std::errc::no_such_file_or_directory) return std::nullopt;
    if (ec) throw std::system_error(ec, "reading the link " + link.string());
    return target.filename().string();
}

void point_link_at(const fs::path& link, const std::string& version) {
    const auto fresh = link.parent_path() / ("." + link.filename().string() + ".new");
    std::error_code ec;
    fs::remove(fresh, ec);
    fs::create_directory_symlink(version, fresh);
    // rename(2) replaces the old link in one step (no moment without `link`).
    fs::rename(fresh, link);
    sync_directory(link.parent_path());
}

void remove_link(const fs::path& link) {
    std::error_code ec;
    fs::remove(link, ec);
    if (ec && ec != std::errc::no_such_file_or_directory)
        throw std::system_error(ec, "removing " + link.string());
    sync_directory(link.parent_path());
}

}  // namespace bv::install
