#pragma once

// Host names resolved with c-ares, asynchronously on the io_context: /etc/hosts first, then
// the name servers, search domains and options of /etc/resolv.conf (as glibc does with
// "hosts: files dns"), with no NSS module loaded at run time (the binary is static).

#include <chrono>
#include <string>

#include "rpc/name_resolver.hpp"

namespace bv::host {

struct DnsResolverOptions {
    // For the whole lookup: a name without an answer by then is an error (unavailable).
    std::chrono::milliseconds timeout{15'000};
    // "ip:port,ip:port": name servers instead of those of /etc/resolv.conf (for tests).
    std::string servers;
    // The hosts file named by the environment variable CARES_HOSTS instead of /etc/hosts (for
    // tests).
    bool hosts_file_from_environment = false;
};

rpc::NameResolver make_dns_resolver(DnsResolverOptions options = {});

}  // namespace bv::host
