#pragma once

// `babel check-config FILE...`: validates babel.toml files and reports every problem in them.

#include <iosfwd>
#include <string>
#include <vector>

namespace bv::babel {

// Validates each file and writes one line per problem ("file:line:column: key: message"), or,
// for a valid file, one line per warning ("file:line:column: key: warning: message", e.g. a
// method left unfinished) and then "FILE: ok" ("FILE: ok (2 warnings)"). With `json`, writes
// one JSON document instead: {"files":[{"file":"...","valid":true,"problems":[],
// "warnings":[{"line":3,"column":1,"key":"...","message":"..."}]}]}
// Returns 0 when every file is valid (warnings or not), 1 otherwise.
int check_config_files(const std::vector<std::string>& files, bool json, std::ostream& out);

}  // namespace bv::babel
