#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace bv::test {

// The blockvisor binary and its mode links in the build tree.
std::string binary(const std::string& name = "blockvisor");

// A bvd running on a fresh temporary root, and the bv CLI pointed at it.
class HostUnderTest {
public:
    explicit HostUnderTest(std::vector<std::string> daemon_args = {});
    ~HostUnderTest();

    const std::filesystem::path& root() const { return root_.path(); }
    std::filesystem::path socket() const { return root() / "run/blockvisor/bvd.sock"; }

    void start_daemon(std::vector<std::string> daemon_args = {});
    // Whether bvd accepts connections on its socket.
    bool daemon_answers() const;
    Process& daemon() { return *daemon_; }

    ProcessResult bv(std::vector<std::string> args) const;
    // curl against bvd's socket: the body, then a last line with the HTTP status.
    ProcessResult curl(const std::string& path, const std::string& content_type, const std::string& body,
                       std::vector<std::string> extra_args = {}) const;

private:
    TempDir root_{"bv-host"};
    TempDir logs_{"bv-logs"};
    std::unique_ptr<Process> daemon_;
};

}  // namespace bv::test
