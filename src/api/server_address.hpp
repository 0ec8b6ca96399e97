#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "host/listen_address.hpp"

namespace bv::api {

using bv::HostPort;
using bv::parse_listen_address;

// What hosts are told to connect to when no --public-url is given: the listen address, or the
// machine's host name when bv-api listens on every address.
std::string default_public_url(const HostPort& listening, const std::string& machine_hostname);

// DATA_DIR/server.json: where the running server listens, for the admin commands.
struct ServerInfo {
    HostPort listening;  // with the port actually bound
    std::string public_url;
    int pid = 0;
};

void write_server_info(const std::filesystem::path& file, const ServerInfo& info);
// Throws std::runtime_error saying how to start the server when the file is missing.
ServerInfo read_server_info(const std::filesystem::path& file);

// The address a client on this machine connects to for `listening` (a wildcard address means
// every address, of which 127.0.0.1 or ::1 is one).
std::string local_address(const HostPort& listening);

}  // namespace bv::api
