#include "babel/key_store.hpp"

#include <filesystem>
#include <set>

#include "common/files.hpp"
#include "rpc/error.hpp"

namespace bv::babel {
namespace {

constexpr std::string_view kDirectoryKey = "*";

std::filesystem::path place_of(const BabelConfig& config, const std::string& name) {
    if (!is_plain_file_name(name) || name == kDirectoryKey) {
        throw rpc::Error(rpc::Code::invalid_argument,
                         "invalid key name '" + name + "': a key name is a plain file name (no '/', '..' or NUL)");
    }
    if (const auto found = config.keys.find(name); found != config.keys.end()) return found->second;
    if (const auto directory = config.keys.find(std::string(kDirectoryKey)); directory != config.keys.end()) {
        return std::filesystem::path(directory->second) / name;
    }
    throw rpc::Error(rpc::Code::invalid_argument, "no place for key '" + name +
                                                      "': the config's [keys] neither names it nor has a \"*\" directory");
}

}  // namespace

std::vector<KeyFile> read_keys(const BabelConfig& config) {
    std::vector<KeyFile> keys;
    std::set<std::filesystem::path> named_paths;
    for (const auto& [name, path] : config.keys) {
        if (name == kDirectoryKey) continue;
        named_paths.insert(path);
        if (auto content = read_file_if_exists(path)) keys.push_back({name, std::move(*content)});
    }
    if (const auto directory = config.keys.find(std::string(kDirectoryKey)); directory != config.keys.end()) {
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator(directory->second, ec)) {
            if (!entry.is_regular_file() || named_paths.contains(entry.path())) continue;
            keys.push_back({entry.path().filename().string(), read_file(entry.path())});
        }
    }
    return keys;
}

std::vector<std::string> write_keys(const BabelConfig& config, const std::vector<KeyFile>& keys) {
    std::vector<std::filesystem::path> places;
    for (const auto& key : keys) places.push_back(place_of(config, key.name));
    std::vector<std::string> written;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        std::filesystem::create_directories(places[i].parent_path());
        write_file_atomically(places[i], keys[i].content, 0600);
        written.push_back(places[i].string());
    }
    return written;
}

}  // namespace bv::babel
