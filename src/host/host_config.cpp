#include "host/host_config.hpp"

#include <google/protobuf/util/json_util.h>

#include <stdexcept>

#include "common/files.hpp"

namespace bv {

blockvisor::v1::HostConfig load_host_config(const std::filesystem::path& file) {
    blockvisor::v1::HostConfig config;
    if (const auto json = read_file_if_exists(file)) {
        google::protobuf::util::JsonParseOptions options;
        // A config written by a newer version (before a rollback) must still load.
        options.ignore_unknown_fields = true;
        const auto status = google::protobuf::util::JsonStringToMessage(*json, &config, options);
        if (!status.ok()) {
            throw std::runtime_error("host config " + file.string() + " is not valid: " +
                                     std::string(status.message()) + " (fix or remove the file)");
        }
    }
    if (config.backend().empty()) config.set_backend("sandbox");
    if (config.bridge().empty()) config.set_bridge("bvbr0");
    if (config.log_level().empty()) config.set_log_level("info");
    if (config.accel().empty()) config.set_accel("auto");
    if (config.qemu_binary().empty()) config.set_qemu_binary("qemu-system-x86_64");
    if (config.firecracker_binary().empty()) config.set_firecracker_binary("firecracker");
    return config;
}

void save_host_config(const std::filesystem::path& file, const blockvisor::v1::HostConfig& config) {
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.preserve_proto_field_names = true;
    google::protobuf::util::MessageToJsonString(config, &json, options);
    std::filesystem::create_directories(file.parent_path());
    write_file_atomically(file, json, 0600);
}

}  // namespace bv
