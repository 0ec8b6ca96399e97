#include "daemon/node_store.hpp"

#include <google/protobuf/util/json_util.h>

#include "common/files.hpp"
#include "common/log.hpp"

namespace bv::daemon {

namespace fs = std::filesystem;

NodeStore::Loaded NodeStore::load_all() const {
    Loaded loaded;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(nodes_dir_, ec)) {
        const auto name = entry.path().filename().string();
        if (!entry.is_directory() || name.starts_with('.')) continue;
        try {
            const auto json = read_file(entry.path() / "node.json");
            v1::NodeRecord record;
            google::protobuf::util::JsonParseOptions options;
            options.ignore_unknown_fields = true;
            const auto status = google::protobuf::util::JsonStringToMessage(json, &record, options);
            if (!status.ok()) throw std::runtime_error("node.json is not valid: " + std::string(status.message()));
            if (record.id() != name) throw std::runtime_error("node.json belongs to node " + record.id());
            loaded.records.push_back(std::move(record));
        } catch (const std::exception& error) {
            loaded.broken.push_back(entry.path().string() + ": " + error.what());
        }
    }
    return loaded;
}

void NodeStore::remove_leftovers() const {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(nodes_dir_, ec)) {
        const auto name = entry.path().filename().string();
        if (name.starts_with(".creating-") || name.starts_with(".deleting-")) {
            log::info("removing {} left behind by an interrupted create or delete", entry.path().string());
            fs::remove_all(entry.path(), ec);
        } else if (entry.is_directory(ec)) {
            // A record write cut short leaves its temporary file (.node.json.XXXXXX) beside it.
            std::error_code ignored;
            for (const auto& file : fs::directory_iterator(entry.path(), ignored)) {
                if (file.path().filename().string().starts_with(".node.json.")) fs::remove(file.path(), ignored);
            }
        }
    }
}

void NodeStore::write_record(const fs::path& dir, const v1::NodeRecord& record, Durability durability) {
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.preserve_proto_field_names = true;
    google::protobuf::util::MessageToJsonString(record, &json, options);
    write_file_atomically(dir / "node.json", json, 0600, durability);
}

void NodeStore::save(const v1::NodeRecord& record, Durability durability) const {
    write_record(node_dir(record.id()), record, durability);
}

void NodeStore::publish(const std::string& id) const {
    fs::rename(staging_dir(id), node_dir(id));
    sync_directory(nodes_dir_);
}

fs::path NodeStore::retire(const std::string& id) const {
    const auto retired = nodes_dir_ / (".deleting-" + id);
    fs::rename(node_dir(id), retired);
    sync_directory(nodes_dir_);
    return retired;
}

}  // namespace bv::daemon
