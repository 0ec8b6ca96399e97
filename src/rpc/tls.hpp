#pragma once

// TLS for the host's programs (bvd to the control plane, bv-api). The node side never links
// this: its programs speak plain HTTP over the node channel and to the chain's own API.

#include <memory>
#include <string>

#include "rpc/any_stream.hpp"
#include "rpc/endpoint.hpp"

namespace bv::rpc {

// Verifies the peer and its host name against the system's CA store, or against the PEM file
// `ca_file` when it is not empty. Throws std::runtime_error naming the file when it cannot be read.
std::shared_ptr<const TlsClient> make_tls_client(const std::string& ca_file = {});

// parse_http_url, with TLS set up for an https URL.
HttpUrl parse_url_with_tls(const std::string& url, const std::string& ca_file = {});

// Serves TLS with the PEM certificate chain and private key in these files. Throws
// std::runtime_error naming the file when one cannot be read.
std::shared_ptr<const TlsServer> make_tls_server(const std::string& certificate_chain_file,
                                                 const std::string& private_key_file);

}  // namespace bv::rpc
