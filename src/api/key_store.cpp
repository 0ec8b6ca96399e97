#include "api/key_store.hpp"

#include "babel/config.hpp"
#include "rpc/error.hpp"

namespace bv::api {

std::vector<admin::StoredKey> KeyStore::list(const std::string& node_id) {
    auto statement = db_.query("SELECT name, content, saved_at_ms FROM node_keys WHERE node_id = ? ORDER BY name", node_id);
    std::vector<admin::StoredKey> keys;
    while (statement.step()) {
        auto& key = keys.emplace_back();
        key.set_name(statement.text(0));
        key.set_content(statement.blob(1));
        key.set_saved_at_ms(statement.integer(2));
    }
    return keys;
}

void KeyStore::save(const std::string& node_id, const google::protobuf::RepeatedPtrField<v1::NodeKey>& keys,
                    std::int64_t now_ms) {
    for (const auto& key : keys) {
        if (!babel::is_plain_file_name(key.name())) {
            throw rpc::Error(rpc::Code::invalid_argument,
                             "key name '" + key.name() + "' is not a plain file name (no '/', not '.' or '..')");
        }
    }
    Transaction transaction(db_);
    for (const auto& key : keys) {
        db_.run("INSERT INTO node_keys (node_id, name, content, saved_at_ms) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (node_id, name) DO UPDATE SET content = excluded.content, saved_at_ms = excluded.saved_at_ms",
                node_id, key.name(), Blob{key.content()}, now_ms);
    }
    transaction.commit();
}

}  // namespace bv::api
