#include "archive/entry_path.hpp"

#include <algorithm>

#include "archive/archive_error.hpp"

namespace bv::archives {

std::vector<std::string_view> path_components(std::string_view path) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (start <= path.size()) {
        const auto end = std::min(path.find('/', start), path.size());
        const auto part = path.substr(start, end - start);
        if (!part.empty() && part != ".") parts.push_back(part);
        start = end + 1;
    }
    return parts;
}

std::string normalised_entry_path(std::string_view raw) {
    const auto quoted = "'" + std::string(raw) + "'";
    if (raw.empty()) throw ArchiveError("an entry without a name");
    if (raw.front() == '/') throw ArchiveError("entry " + quoted + ": an absolute path");
    std::string path;
    for (const auto part : path_components(raw)) {
        if (part == "..") throw ArchiveError("entry " + quoted + ": a '..' component");
        if (!path.empty()) path += '/';
        path += part;
    }
    return path;
}

}  // namespace bv::archives
