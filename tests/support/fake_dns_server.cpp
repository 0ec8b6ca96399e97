#include "support/fake_dns_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <vector>

namespace bv::test {
namespace {

// The end of the question section of a DNS message (RFC 1035 4.1.2), or 0 when malformed.
std::size_t question_end(const std::vector<unsigned char>& message) {
    std::size_t at = 12;
    while (at < message.size() && message[at] != 0) at += message[at] + 1u;
    at += 1 + 4;  // the root label, QTYPE, QCLASS
    return at <= message.size() ? at : 0;
}

std::vector<unsigned char> answer_to(const std::vector<unsigned char>& query,
                                     const std::string& ipv4) {
    const auto end = question_end(query);
    if (end == 0) return {};
    const bool asks_a = query[end - 4] == 0 && query[end - 3] == 1;
    std::vector<unsigned char> reply{
        query[0], query[1], 0x81, 0x80, 0, 1, 0, static_cast<unsigned char>(asks_a ? 1 : 0),
        0,        0,        0,    0};
    reply.insert(reply.end(), query.begin() + 12, query.begin() + static_cast<long>(end));
    if (asks_a) {
        // The name by pointer to the question, A, IN, TTL 60, 4 bytes of address.
        reply.insert(reply.end(), {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4});
        in_addr address{};
        ::inet_pton(AF_INET, ipv4.c_str(), &address);
        const auto* bytes = reinterpret_cast<const unsigned char*>(&address);
        reply.insert(reply.end(), bytes, bytes + 4);
    }
    return reply;
}

}  // namespace

FakeDnsServer::FakeDnsServer(std::optional<std::string> ipv4_answer)
    : answer_(std::move(ipv4_answer)) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        throw std::runtime_error("cannot open the fake name server's socket");
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
}

FakeDnsServer::~FakeDnsServer() {
    stopping_ = true;
    thread_.join();
    ::close(fd_);
}

std::string FakeDnsServer::address() const {
    return "127.0.0.1:" + std::to_string(port_);
}

void FakeDnsServer::serve() {
    while (!stopping_) {
        pollfd ready{fd_, POLLIN, 0};
        if (::poll(&ready, 1, 20) <= 0) continue;
        std::vector<unsigned char> query(1500);
        sockaddr_in peer{};
        socklen_t length = sizeof peer;
        const auto got = ::recvfrom(fd_, query.data(), query.size(), 0,
                                    reinterpret_cast<sockaddr*>(&peer), &length);
        if (got < 12) continue;
        query.resize(static_cast<std::size_t>(got));
        ++queries_;
        if (!answer_) continue;
        const auto reply = answer_to(query, *answer_);
        ::sendto(fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&peer), length);
    }
}

}  // namespace bv::test
