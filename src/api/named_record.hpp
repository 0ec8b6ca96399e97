#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rpc/error.hpp"

namespace bv::api {

// How admins name hosts and nodes: by id, or by a name only one record has. `kind` is "host" or
// "node"; `by_id` the record with that id, if any; `named` the records with that name. Throws
// rpc::Error: invalid_argument (nothing given, or a name several records have), not_found.
template <class Record>
Record one_named(std::string_view kind, std::string_view id_or_name, std::optional<Record> by_id,
                 std::vector<Record> named) {
    const std::string what(kind);
    if (id_or_name.empty()) {
        throw rpc::Error(rpc::Code::invalid_argument, "no " + what + " given: name one by its id or name");
    }
    if (by_id) return std::move(*by_id);
    if (named.empty()) {
        throw rpc::Error(rpc::Code::not_found, "no " + what + " with the id or name '" + std::string(id_or_name) +
                                                   "' (see 'bv-api " + what + "s')");
    }
    if (named.size() > 1) {
        std::string ids;
        for (const auto& record : named) ids += (ids.empty() ? "" : ", ") + record.id();
        throw rpc::Error(rpc::Code::invalid_argument, std::to_string(named.size()) + " " + what + "s are named '" +
                                                          std::string(id_or_name) + "': name one by its id (" + ids +
                                                          ")");
    }
    return std::move(named.front());
}

}  // namespace bv::api
