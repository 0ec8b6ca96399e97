#include "daemon/node_store.hpp"

#include <google/protobuf/util/json_util.h>

#include "common/files.hpp"
#include "common/log.hpp"

namespace bv::daemon {

namespace fs = std::filesystem;

namespace {

constexpr auto kRecordFile = "node.json";
constexpr auto kStartFile = "starting.json";

bool parse_json(const std::string& json, google::protobuf::Message& message, std::string& why) {
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    const auto status = google::protobuf::util::JsonStringToMessage(json, &message, options);
    why = std::string(status.message());
    return status.ok();
}

void write_json(const fs::path& path, const google::protobuf::Message& message, Durability durability) {
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.preserve_proto_field_names = true;
    google::protobuf::util::MessageToJsonString(message, &json, options);
    write_file_atomically(path, json, 0600, durability);
}

}  // namespace

NodeStore::Loaded NodeStore::load_all() const {
    Loaded loaded;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(nodes_dir_, ec)) {
        const auto name = entry.path().filename().string();
        if (!entry.is_directory() || name.starts_with('.')) continue;
        try {
            v1::NodeRecord record;
            if (std::string why; !parse_json(read_file(entry.path() / kRecordFile), record, why)) {
                throw std::runtime_error("node.json is not valid: " + why);
            }
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
            // A write cut short leaves its temporary file (.node.json.XXXXXX) beside it.
            std::error_code ignored;
            for (const auto& file : fs::directory_iterator(entry.path(), ignored)) {
                const auto file_name = file.path().filename().string();
                for (const std::string written : {kRecordFile, kStartFile}) {
                    if (file_name.starts_with("." + written + ".")) fs::remove(file.path(), ignored);
                }
            }
        }
    }
}

void NodeStore::write_record(const fs::path& dir, const v1::NodeRecord& record) {
    write_json(dir / kRecordFile, record, Durability::survives_power_loss);
}

void NodeStore::save(const v1::NodeRecord& record) const { write_record(node_dir(record.id()), record); }

void NodeStore::save_start_in_progress(const std::string& id, const v1::MachineRecord& machine) const {
    write_json(node_dir(id) / kStartFile, machine, Durability::cache);
}

std::optional<v1::MachineRecord> NodeStore::start_in_progress(const std::string& id) const {
    const auto path = node_dir(id) / kStartFile;
    const auto json = read_file_if_exists(path);
    if (!json) return std::nullopt;
    v1::MachineRecord machine;
    if (std::string why; !parse_json(*json, machine, why)) {
        // Torn by a power loss (it is not synced), which no machine outlived either.
        log::warn("{} is not valid ({}): taken as no start in progress", path.string(), why);
        return std::nullopt;
    }
    return machine;
}

void NodeStore::clear_start_in_progress(const std::string& id) const {
    std::error_code ignored;
    fs::remove(node_dir(id) / kStartFile, ignored);
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
