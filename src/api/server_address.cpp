#include "api/server_address.hpp"

#include <boost/json.hpp>
#include <stdexcept>

#include "common/files.hpp"

namespace bv::api {
namespace {

bool is_ipv6(const std::string& host) { return host.find(':') != std::string::npos; }

std::string url_host(const std::string& host) { return is_ipv6(host) ? "[" + host + "]" : host; }

}  // namespace

std::string default_public_url(const HostPort& listening, const std::string& machine_hostname) {
    const bool wildcard = listening.host == "0.0.0.0" || listening.host == "::";
    const auto host = wildcard ? machine_hostname : url_host(listening.host);
    return "https://" + host + ":" + std::to_string(listening.port);
}

std::string local_address(const HostPort& listening) {
    if (listening.host == "0.0.0.0") return "127.0.0.1";
    if (listening.host == "::") return "::1";
    return listening.host;
}

void write_server_info(const std::filesystem::path& file, const ServerInfo& info) {
    boost::json::object object;
    object["listen_host"] = info.listening.host;
    object["port"] = info.listening.port;
    object["public_url"] = info.public_url;
    object["pid"] = info.pid;
    write_file_atomically(file, boost::json::serialize(object) + "\n", 0644);
}

ServerInfo read_server_info(const std::filesystem::path& file) {
    const auto text = read_file_if_exists(file);
    if (!text) {
        throw std::runtime_error("bv-api is not running on " + file.parent_path().string() + " (no " +
                                 file.filename().string() + "): start it with 'bv-api serve --data " +
                                 file.parent_path().string() + "'");
    }
    try {
        const auto object = boost::json::parse(*text).as_object();
        ServerInfo info;
        info.listening.host = boost::json::value_to<std::string>(object.at("listen_host"));
        info.listening.port = boost::json::value_to<std::uint16_t>(object.at("port"));
        info.public_url = boost::json::value_to<std::string>(object.at("public_url"));
        info.pid = boost::json::value_to<int>(object.at("pid"));
        return info;
    } catch (const std::exception& error) {
        throw std::runtime_error(file.string() + " is not what bv-api writes (" + error.what() +
                                 "): restart 'bv-api serve'");
    }
}

}  // namespace bv::api
