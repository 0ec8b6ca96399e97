#pragma once

// An HTTPS file server on 127.0.0.1 for download tests: GET with "Range: bytes=N-", and
// faults on demand (a connection cut or stalled after some bytes, Range ignored).

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/test_certificate.hpp"

namespace bv::test {

struct FileServerFaults {
    // The first answer closes the connection after this many bytes of its body.
    std::optional<std::uint64_t> cut_first_after;
    // Every answer stops sending after this many bytes of its body, the connection left open.
    std::optional<std::uint64_t> stall_after;
    // Answers 200 with the whole file even when asked for a range.
    bool ignore_range = false;
};

class TestFileServer {
public:
    TestFileServer(boost::asio::io_context& io, const TestCertificate& certificate);

    void serve(const std::string& path, std::string content) { files_[path] = std::move(content); }
    // https://127.0.0.1:PORT<path>
    std::string url(const std::string& path) const;

    FileServerFaults faults;
    // The Range header of each request, in order ("" when it had none).
    std::vector<std::string> ranges;

    struct Impl;

private:
    std::uint16_t port_ = 0;
    std::map<std::string, std::string> files_;
};

}  // namespace bv::test
