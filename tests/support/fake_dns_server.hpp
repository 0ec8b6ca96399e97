#pragma once

// A name server on 127.0.0.1 (UDP, a port of its own) for resolver tests: it answers every A
// query with one address, or, silent, answers nothing (an unreachable server).

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

namespace bv::test {

class FakeDnsServer {
public:
    // nullopt: silent.
    explicit FakeDnsServer(std::optional<std::string> ipv4_answer);
    ~FakeDnsServer();
    FakeDnsServer(const FakeDnsServer&) = delete;
    FakeDnsServer& operator=(const FakeDnsServer&) = delete;

    // "127.0.0.1:PORT", as DnsResolverOptions::servers takes it.
    std::string address() const;
    int queries() const { return queries_; }

private:
    void serve();

    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::optional<std::string> answer_;
    std::atomic<int> queries_ = 0;
    std::atomic<bool> stopping_ = false;
    std::thread thread_;
};

}  // namespace bv::test
