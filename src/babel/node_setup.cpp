#include "babel/node_setup.hpp"

#include "common/files.hpp"
#include "common/version.hpp"
#include "rpc/error.hpp"

namespace bv::babel {

std::filesystem::path setup_file(const std::filesystem::path& state_dir) { return state_dir / "setup.pb"; }

NodeSetup make_setup(blockvisor::babel::v1::SetupRequest request) {
    NodeSetup setup;
    try {
        setup.config = parse_babel_config(request.config_toml(), "babel.toml");
    } catch (const ConfigError& error) {
        throw rpc::Error(rpc::Code::invalid_argument, std::string("invalid babel config:\n") + error.what());
    }
    const auto& needed = setup.config.config.babel_version;
    if (!needed.empty() && !version_at_least(kVersion, needed)) {
        throw rpc::Error(rpc::Code::failed_precondition, "the config needs babel " + needed + " or newer; this is " +
                                                             kVersion + " (update babel first)");
    }
    setup.request = std::move(request);
    return setup;
}

std::optional<NodeSetup> load_setup(const std::filesystem::path& state_dir) {
    const auto bytes = read_file_if_exists(setup_file(state_dir));
    if (!bytes) return std::nullopt;
    blockvisor::babel::v1::SetupRequest request;
    if (!request.ParseFromString(*bytes)) {
        throw rpc::Error(rpc::Code::data_loss, "saved node setup " + setup_file(state_dir).string() +
                                                   " is unreadable: not a valid SetupRequest");
    }
    return make_setup(std::move(request));
}

void save_setup(const std::filesystem::path& state_dir, const blockvisor::babel::v1::SetupRequest& request) {
    // Not synced (two fsyncs of every start): bvd sends the setup at each start of the node,
    // and no node runs on after a power loss without being started again. A torn file is
    // refused as unreadable until then.
    write_file_atomically(setup_file(state_dir), request.SerializeAsString(), 0600, Durability::cache);
}

std::map<std::string, std::string> node_environment(std::map<std::string, std::string> base, const BabelConfig& config) {
    auto& path = base["PATH"];
    if (path.empty()) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    if (!config.path_append.empty()) path += ":" + config.path_append;
    return base;
}

}  // namespace bv::babel
