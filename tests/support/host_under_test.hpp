#pragma once

#include <filesystem>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace bv::test {

// The blockvisor binary, bv-node and their mode links in the build tree.
std::string binary(const std::string& name = "blockvisor");
inline std::string node_binary() { return binary("bv-node"); }

// A root of its own filesystem (tmpfs) of `bytes`, for tests of a full disk.
struct SmallRoot {
    std::uint64_t bytes = 0;
};

// A fresh root whose bvd the test starts some other way (bv-installer does in the self-update
// tests); the nodes are cleaned up as with a bvd of its own.
struct WithoutDaemon {
    std::uint64_t small_root_bytes = 0;  // a tmpfs root of this size; 0: a plain directory
};

// A bvd running on a fresh temporary root, and the bv CLI pointed at it.
class HostUnderTest {
public:
    explicit HostUnderTest(std::vector<std::string> daemon_args = {});
    explicit HostUnderTest(SmallRoot size, std::vector<std::string> daemon_args = {});
    explicit HostUnderTest(WithoutDaemon options);
    ~HostUnderTest();

    const std::filesystem::path& root() const { return root_.path(); }
    std::filesystem::path socket() const { return root() / "run/blockvisor/bvd.sock"; }

    void start_daemon(std::vector<std::string> daemon_args = {});
    // Whether bvd accepts connections on its socket.
    bool daemon_answers() const;
    Process& daemon() { return *daemon_; }

    ProcessResult bv(std::vector<std::string> args) const;
    // bv, expected to succeed (a test failure naming the command otherwise); its output
    // without trailing white space.
    std::string bv_ok(std::vector<std::string> args) const;
    // curl against bvd's socket: the body, then a last line with the HTTP status.
    ProcessResult curl(const std::string& path, const std::string& content_type, const std::string& body,
                       std::vector<std::string> extra_args = {}) const;

private:
  bool mount_small_root(std::uint64_t bytes);

  TempDir root_{"bv-host"};
  TempDir logs_{"bv-logs"};
  bool root_mounted_ = false;
  std::unique_ptr<Process> daemon_;
};

}  // namespace bv::test
