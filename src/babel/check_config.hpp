#pragma once

// `babel check-config FILE...`: validates babel.toml files and reports every problem in them.

#include <iosfwd>
#include <string>
#include <vector>

namespace bv::babel {

// Validates each file and writes one line per problem ("file:line:column: key: message"), or
// "FILE: ok" for a valid file. With `json`, writes one JSON document instead:
// {"files":[{"file":"...","valid":true,"problems":[{"line":3,"column":1,"key":"...","message":"..."}]}]}
// Returns 0 when every file is valid, 1 otherwise.
int check_config_files(const std::vector<std::string>& files, bool json, std::ostream& out);

}  // namespace bv::babel
