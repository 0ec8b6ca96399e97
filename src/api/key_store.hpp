#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "api/database.hpp"
#include "api/messages.hpp"

namespace bv::api {

// The keys of nodes, as their hosts saved them (KeyService.Save) for the node's next first start.
class KeyStore {
public:
    explicit KeyStore(Database& db) : db_(db) {}

    // By name.
    std::vector<admin::StoredKey> list(const std::string& node_id);
    // Replaces keys of the same names, in one transaction. Throws rpc::Error(invalid_argument)
    // for a name that is not a plain file name (the host writes keys as files under that name).
    void save(const std::string& node_id, const google::protobuf::RepeatedPtrField<v1::NodeKey>& keys,
              std::int64_t now_ms);

private:
    Database& db_;
};

}  // namespace bv::api
