#pragma once

// Node keys: files inside the node at the places the config's [keys] table names.

#include <string>
#include <string_view>
#include <vector>

#include "babel/config.hpp"

namespace bv::babel {

struct KeyFile {
    std::string name;
    std::string content;
};

// The keys that exist: those of [keys] by name, and the files of the "*" directory.
std::vector<KeyFile> read_keys(const BabelConfig& config);
// Writes each key (mode 0600, atomically) where [keys] says, or into the "*" directory.
// Returns the paths written. Throws rpc::Error(invalid_argument) for a bad name or a key
// with no place, before writing anything.
std::vector<std::string> write_keys(const BabelConfig& config, const std::vector<KeyFile>& keys);

}  // namespace bv::babel
