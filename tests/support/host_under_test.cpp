#include "support/host_under_test.hpp"

#include <fstream>
#include <iterator>

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <csignal>

#include "support/raw_socket.hpp"

namespace bv::test {

std::string binary(const std::string& name) { return std::string(BV_BINARY_DIR) + "/" + name; }

HostUnderTest::HostUnderTest(std::vector<std::string> daemon_args) { start_daemon(std::move(daemon_args)); }

HostUnderTest::HostUnderTest(SmallRoot size, std::vector<std::string> daemon_args) {
    if (!mount_small_root(size.bytes)) return;
    start_daemon(std::move(daemon_args));
}

HostUnderTest::HostUnderTest(WithoutDaemon options) {
    if (options.small_root_bytes > 0) mount_small_root(options.small_root_bytes);
}

bool HostUnderTest::mount_small_root(std::uint64_t bytes) {
    const auto options = "size=" + std::to_string(bytes) + ",mode=0755";
    if (::mount("bv-small-root", root().c_str(), "tmpfs", 0, options.c_str()) != 0) {
        ADD_FAILURE() << "cannot mount a tmpfs on " << root() << ": " << std::strerror(errno);
        return false;
    }
    root_mounted_ = true;
    return true;
}

HostUnderTest::~HostUnderTest() {
    if (daemon_ && daemon_->running()) {
        daemon_->signal(SIGTERM);
        daemon_->wait(std::chrono::seconds(15));
    }
    // Nodes outlive bvd by design; a test's nodes must not outlive the test (they would hold
    // ports and files of the next one).
    const auto in_this_host = [&](const std::filesystem::path& process_root) {
        const auto root_text = root().string() + "/";
        return process_root.string().starts_with(root_text);
    };
    eventually([&] {
        bool any = false;
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
            std::error_code link_error;
            const auto process_root = std::filesystem::read_symlink(entry.path() / "root", link_error);
            if (link_error || !in_this_host(process_root)) continue;
            any = true;
            ::kill(std::stoi(entry.path().filename().string()), SIGKILL);
        }
        return !any;
    }, std::chrono::seconds(10));
    // VM nodes are QEMU processes in the host's root directory, named by their node
    // directory on the command line; their taps are named after the node ids.
    std::error_code proc_error;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", proc_error)) {
        std::error_code read_error;
        if (!std::filesystem::exists(entry.path() / "cmdline", read_error)) continue;
        std::ifstream cmdline(entry.path() / "cmdline");
        const std::string command((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
        if (command.starts_with("qemu-system") || command.find("/qemu-system") != std::string::npos) {
            if (command.find(root().string() + "/") != std::string::npos) ::kill(std::stoi(entry.path().filename().string()), SIGKILL);
        }
    }
    for (const auto& node : std::filesystem::directory_iterator(root() / "var/lib/blockvisor/nodes", proc_error)) {
        std::string compact;
        for (const char c : node.path().filename().string()) {
            if (c != '-') compact += c;
        }
        for (const auto* prefix : {"bvt", "bvc"}) {
            run({"ip", "link", "delete", prefix + compact.substr(0, 12)}, std::chrono::seconds(10));
        }
    }
    // And so must their cgroups (bvd removes them when it stops a node; here nobody did).
    // Again until they are gone: a process killed above may not have left its cgroup yet, which
    // refuses removal until then (92 empty ones had piled up on the CI host, while bvd's own
    // create, start, stop and delete leave none).
    std::error_code ec;
    for (const auto& node : std::filesystem::directory_iterator(root() / "var/lib/blockvisor/nodes", ec)) {
        for (const auto* hierarchy : {"/sys/fs/cgroup/cpu/blockvisor/", "/sys/fs/cgroup/memory/blockvisor/",
                                      "/sys/fs/cgroup/blockvisor/"}) {
            const std::filesystem::path group = hierarchy + node.path().filename().string();
            eventually([&] {
                std::error_code ignored;
                std::filesystem::remove(group, ignored);
                return !std::filesystem::exists(group, ignored);
            }, std::chrono::seconds(5));
        }
    }
    // Lazily: a node's mounts below the root go with it.
    if (root_mounted_) ::umount2(root().c_str(), MNT_DETACH);
}

void HostUnderTest::start_daemon(std::vector<std::string> daemon_args) {
    daemon_args.insert(daemon_args.begin(), {binary("bvd"), "--root", root().string()});
    daemon_ = std::make_unique<Process>(std::move(daemon_args), logs_.path());
    const bool up = eventually([&] { return daemon_answers() || !daemon_->running(); }, std::chrono::seconds(20));
    ASSERT_TRUE(up && daemon_->running()) << "bvd did not start: " << daemon_->err();
}

bool HostUnderTest::daemon_answers() const {
    const int fd = connect_unix_socket(socket());
    if (fd >= 0) ::close(fd);
    return fd >= 0;
}

ProcessResult HostUnderTest::bv(std::vector<std::string> args) const {
    args.insert(args.begin(), {binary("bv"), "--root", root().string()});
    return run(std::move(args));
}

std::string HostUnderTest::bv_ok(std::vector<std::string> args) const {
    std::string command;
    for (const auto& arg : args) command += " " + arg;
    auto result = bv(std::move(args));
    EXPECT_EQ(result.exit_code, 0) << "bv" << command << ": " << result.err
                                   << (daemon_ && !daemon_->running() ? "bvd has exited; its output:\n" + daemon_->err() : "");
    while (!result.out.empty() && std::isspace(static_cast<unsigned char>(result.out.back()))) result.out.pop_back();
    return result.out;
}

ProcessResult HostUnderTest::curl(const std::string& path, const std::string& content_type, const std::string& body,
                                  std::vector<std::string> extra_args) const {
    std::vector<std::string> args{"curl", "-sS", "--unix-socket", socket().string(), "-H",
                                  "Content-Type: " + content_type, "--data-binary", body, "-w", "\n%{http_code}"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    args.push_back("http://localhost" + path);
    return run(std::move(args));
}

}  // namespace bv::test
