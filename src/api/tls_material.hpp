#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace bv::api {

struct TlsFiles {
    std::filesystem::path ca_certificate;      // what hosts trust: bv init --ca
    std::filesystem::path server_certificate;  // chain: the server's certificate, then the CA's
    std::filesystem::path server_key;
};

// bv-api's own certificate authority and the server certificate it signs, under `tls_dir`:
// ca.pem and ca-key.pem are made once (ECDSA P-256, 10 years) and kept, so that hosts keep
// trusting the server; server.pem and server-key.pem are made again whenever they are missing,
// do not name exactly `server_names` (IP addresses and DNS names, as subject alternative names),
// or expire within 30 days. Keys are 0600. Throws std::runtime_error with OpenSSL's reason.
TlsFiles ensure_tls_material(const std::filesystem::path& tls_dir, const std::vector<std::string>& server_names);

// The names a certificate for the server's addresses needs: 127.0.0.1, ::1, localhost, the machine's
// host name, and the listen and public hosts (a wildcard listen address names no host), without
// repeats.
std::vector<std::string> server_names(const std::string& listen_host, const std::string& public_host,
                                      const std::string& machine_hostname);

}  // namespace bv::api
