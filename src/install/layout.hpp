#pragma once

// Where installed versions live under a host's root (docs/self-update.md):
//   opt/blockvisor/<version>/   one unpacked bundle
//   opt/blockvisor/current  -> <version>   (switched by renaming a new symlink over it)
//   opt/blockvisor/backup   -> <version>   (the version before the running one)
//   opt/blockvisor/blacklist               one version per line, never installed again
//   var/lib/blockvisor/installer.json      the installer's own state

#include <filesystem>
#include <optional>
#include <set>
#include <string>

#include "host/paths.hpp"

namespace bv::install {

struct InstallLayout {
    std::filesystem::path install_dir;
    std::filesystem::path current;  // the symlink
    std::filesystem::path backup;   // the symlink
    std::filesystem::path blacklist;
    std::filesystem::path installer_state;  // installer.json

    explicit InstallLayout(const HostPaths& paths);
    std::filesystem::path version_dir(const std::string& version) const {
        return install_dir / version;
    }
};

// The blacklisted versions; none when the file does not exist. Throws std::system_error
// naming the file for other read errors.
std::set<std::string> read_blacklist(const HostPaths& paths);
// Adds `version` (once) to the blacklist, written atomically.
void add_to_blacklist(const HostPaths& paths, const std::string& version);

// The version a layout link (current, backup) points at; nullopt when the link is absent.
std::optional<std::string> linked_version(const std::filesystem::path& link);
// Points `link` at the version directory `version` (a relative target) by renaming a new
// symlink over it: at every moment the link is either the old one or the new one.
void point_link_at(const std::filesystem::path& link, const std::string& version);
// Removes a layout link (nothing when it is absent).
void remove_link(const std::filesystem::path& link);

}  // namespace bv::install
