#include "babel/babel_identity.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <sstream>
#include <system_error>

#include "common/files.hpp"

namespace bv::babel {
namespace {

std::filesystem::path record_of(const std::filesystem::path& binary) {
    auto record = binary;
    record += ".identity";
    return record;
}

// "device inode size mtime-ns" of the file as it is now; nullopt if it cannot be read.
std::optional<std::string> file_stamp(const std::filesystem::path& binary) {
    struct stat status {};
    if (::stat(binary.c_str(), &status) != 0) return std::nullopt;
    std::ostringstream stamp;
    stamp << status.st_dev << ' ' << status.st_ino << ' ' << status.st_size << ' '
          << status.st_mtim.tv_sec * 1'000'000'000LL + status.st_mtim.tv_nsec;
    return stamp.str();
}

}  // namespace

std::optional<BabelIdentity> recorded_identity(const std::filesystem::path& binary) {
    std::optional<std::string> text;
    try {
        text = read_file_if_exists(record_of(binary));
    } catch (const std::system_error&) {
        return std::nullopt;
    }
    const auto stamp = file_stamp(binary);
    if (!text || !stamp) return std::nullopt;
    // Three whole lines: the stamp, the SHA-256, the version (a record cut short by a power
    // loss lacks the last newline).
    if (text->empty() || text->back() != '\n') return std::nullopt;
    std::istringstream lines(*text);
    std::string recorded_stamp;
    BabelIdentity identity;
    if (!std::getline(lines, recorded_stamp) || !std::getline(lines, identity.sha256) ||
        !std::getline(lines, identity.version) || recorded_stamp != *stamp || identity.sha256.size() != 64) {
        return std::nullopt;
    }
    return identity;
}

void record_identity(const std::filesystem::path& binary, const BabelIdentity& identity) {
    const auto stamp = file_stamp(binary);
    if (!stamp) throw std::system_error(errno, std::generic_category(), "cannot stat " + binary.string());
    write_file_atomically(record_of(binary), *stamp + "\n" + identity.sha256 + "\n" + identity.version + "\n", 0644,
                          Durability::cache);
}

}  // namespace bv::babel
