#include "support/host_under_test.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

namespace bv::test {

std::string binary(const std::string& name) { return std::string(BV_BINARY_DIR) + "/" + name; }

HostUnderTest::HostUnderTest(std::vector<std::string> daemon_args) { start_daemon(std::move(daemon_args)); }

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
    // And so must their cgroups (bvd removes them when it stops a node; here nobody did).
    std::error_code ec;
    for (const auto& node : std::filesystem::directory_iterator(root() / "var/lib/blockvisor/nodes", ec)) {
        for (const auto* hierarchy : {"/sys/fs/cgroup/cpu/blockvisor/", "/sys/fs/cgroup/memory/blockvisor/",
                                      "/sys/fs/cgroup/blockvisor/"}) {
            std::error_code ignored;
            std::filesystem::remove(hierarchy + node.path().filename().string(), ignored);
        }
    }
}

void HostUnderTest::start_daemon(std::vector<std::string> daemon_args) {
    daemon_args.insert(daemon_args.begin(), {binary("bvd"), "--root", root().string()});
    daemon_ = std::make_unique<Process>(std::move(daemon_args), logs_.path());
    const bool up = eventually([&] { return daemon_answers() || !daemon_->running(); }, std::chrono::seconds(20));
    ASSERT_TRUE(up && daemon_->running()) << "bvd did not start: " << daemon_->err();
}

bool HostUnderTest::daemon_answers() const {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, socket().c_str(), sizeof address.sun_path - 1);
    const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return connected;
}

ProcessResult HostUnderTest::bv(std::vector<std::string> args) const {
    args.insert(args.begin(), {binary("bv"), "--root", root().string()});
    return run(std::move(args));
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
