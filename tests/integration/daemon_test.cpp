// bvd and bv as a user runs them: the real binary on a temporary root.

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>

#include "common/files.hpp"
#include "common/open_file_limit.hpp"
#include "support/host_under_test.hpp"
#include "support/raw_socket.hpp"

namespace bv::test {
namespace {

using namespace std::chrono_literals;

std::string last_line(const std::string& text) {
    const auto end = text.find_last_not_of('\n');
    const auto start = text.rfind('\n', end);
    return text.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
}

TEST(Daemon, StatusSaysItIsRunning) {
    HostUnderTest host;
    const auto status = host.bv({"status"});
    EXPECT_EQ(status.exit_code, 0) << status.err;
    EXPECT_NE(status.out.find("bvd is running"), std::string::npos) << status.out;

    const auto json = host.bv({"status", "--json"});
    EXPECT_EQ(json.exit_code, 0) << json.err;
    EXPECT_NE(json.out.find("\"status\": \"ok\""), std::string::npos) << json.out;
}

TEST(Daemon, HostInfoReportsTheMachine) {
    HostUnderTest host;
    const auto info = host.bv({"host", "info", "--json"});
    ASSERT_EQ(info.exit_code, 0) << info.err;
    EXPECT_NE(info.out.find("\"cpuCount\": "), std::string::npos) << info.out;
    EXPECT_NE(info.out.find("\"backend\": \"sandbox\""), std::string::npos) << info.out;
    EXPECT_NE(info.out.find(host.root().string()), std::string::npos) << info.out;

    const auto metrics = host.bv({"host", "metrics", "--json"});
    ASSERT_EQ(metrics.exit_code, 0) << metrics.err;
    EXPECT_NE(metrics.out.find("\"cpuUsedPercent\": "), std::string::npos) << metrics.out;
    EXPECT_NE(metrics.out.find("\"runningNodes\": 0"), std::string::npos) << metrics.out;

    const auto human = host.bv({"host", "info"});
    ASSERT_EQ(human.exit_code, 0) << human.err;
    EXPECT_NE(human.out.find("memory"), std::string::npos) << human.out;
}

TEST(Daemon, SocketIsGroupReadableOnly) {
    HostUnderTest host;
    struct stat status {};
    ASSERT_EQ(::stat(host.socket().c_str(), &status), 0);
    EXPECT_EQ(status.st_mode & 0777, 0660);
}

TEST(Daemon, ConfigAndStateAreBvdsAloneEvenOnARootMadeBefore) {
    TempDir root("bv-modes");
    // As an older bvd (or an operator's mkdir) left them: readable by everyone.
    for (const auto* directory : {"etc/blockvisor", "var/lib/blockvisor"}) {
        std::filesystem::create_directories(root.path() / directory);
        std::filesystem::permissions(root.path() / directory, static_cast<std::filesystem::perms>(0755));
    }
    TempDir logs("bv-modes-logs");
    Process daemon({binary("bvd"), "--root", root.path().string()}, logs.path());
    ASSERT_TRUE(eventually([&] { return std::filesystem::exists(root.path() / "run/blockvisor/bvd.sock"); }))
        << daemon.err();
    for (const auto* directory : {"etc/blockvisor", "var/lib/blockvisor"}) {
        struct stat status {};
        ASSERT_EQ(::stat((root.path() / directory).c_str(), &status), 0);
        EXPECT_EQ(status.st_mode & 0777, 0700) << directory;
    }
    daemon.signal(SIGTERM);
    daemon.wait(std::chrono::seconds(10));
}

TEST(Daemon, SocketBelongsToTheBlockvisorGroupOfTheRoot) {
    HostUnderTest host;
    struct stat before {};
    ASSERT_EQ(::stat(host.socket().c_str(), &before), 0);
    EXPECT_EQ(before.st_gid, 0u) << "no blockvisor group in the root: root's";
    host.daemon().signal(SIGTERM);
    ASSERT_TRUE(host.daemon().wait(15s));
    write_file_atomically(host.root() / "etc/group", "root:x:0:\nblockvisors:x:4241:\nblockvisor:x:4242:alice\n");
    host.start_daemon();
    struct stat after {};
    ASSERT_EQ(::stat(host.socket().c_str(), &after), 0);
    EXPECT_EQ(after.st_gid, 4242u);
    EXPECT_EQ(after.st_mode & 0777, 0660);
}

TEST(Daemon, CurlGetsJsonHealth) {
    HostUnderTest host;
    const auto health = host.curl("/blockvisor.v1.HostService/Health", "application/json", "{}");
    ASSERT_EQ(health.exit_code, 0) << health.err;
    EXPECT_EQ(last_line(health.out), "200");
    EXPECT_NE(health.out.find("\"status\":\"ok\""), std::string::npos) << health.out;
}

TEST(Daemon, TestHooksAreServedOnlyWhenAsked) {
    HostUnderTest host;
    const auto sleep =
        host.curl("/blockvisor.v1.TestHooksService/Sleep", "application/json", "{\"delayMs\": 1}");
    EXPECT_EQ(last_line(sleep.out), "404") << sleep.out;
    // The old test hook in Health is gone from the contract: an unknown field, ignored.
    const auto health = host.curl("/blockvisor.v1.HostService/Health", "application/json",
                                  "{\"delayMs\": 10000}", {"-H", "Connect-Timeout-Ms: 5000"});
    EXPECT_EQ(last_line(health.out), "200") << health.out;
}

TEST(Daemon, BadRequestsGetConnectErrorsAndTheDaemonKeepsServing) {
    HostUnderTest host;
    const auto malformed = host.curl("/blockvisor.v1.HostService/Health", "application/json", "{\"delayMs\":");
    EXPECT_EQ(last_line(malformed.out), "400");
    EXPECT_NE(malformed.out.find("\"code\":\"invalid_argument\""), std::string::npos) << malformed.out;

    const auto unknown = host.curl("/blockvisor.v1.HostService/NoSuchMethod", "application/json", "{}");
    EXPECT_EQ(last_line(unknown.out), "404");
    EXPECT_NE(unknown.out.find("\"code\":\"unimplemented\""), std::string::npos) << unknown.out;

    const auto wrong_type = host.curl("/blockvisor.v1.HostService/Health", "text/plain", "{}");
    EXPECT_EQ(last_line(wrong_type.out), "415");
    EXPECT_NE(wrong_type.out.find("application/json"), std::string::npos) << wrong_type.out;

    const auto bad_proto = host.curl("/blockvisor.v1.HostService/Health", "application/proto", "\xff\xff\xff");
    EXPECT_EQ(last_line(bad_proto.out), "400");

    const auto bad_timeout = host.curl("/blockvisor.v1.HostService/Health", "application/json", "{}",
                                       {"-H", "Connect-Timeout-Ms: soon"});
    EXPECT_EQ(last_line(bad_timeout.out), "400");

    const auto get = run({"curl", "-sS", "--unix-socket", host.socket().string(), "-w", "\n%{http_code}",
                          "http://localhost/blockvisor.v1.HostService/Health"});
    EXPECT_EQ(last_line(get.out), "405");

    const auto garbage = run({"sh", "-c", "printf 'NOT HTTP AT ALL\\r\\n\\r\\n' | curl -sS --max-time 5 "
                                          "telnet://localhost --unix-socket " + host.socket().string()});
    EXPECT_NE(garbage.out.find("400"), std::string::npos) << garbage.out << garbage.err;

    EXPECT_TRUE(host.daemon().running());
    EXPECT_EQ(host.bv({"status"}).exit_code, 0);
}

TEST(Daemon, DeadlineShorterThanTheHandlerGetsDeadlineExceeded) {
    HostUnderTest host({"--test-hooks"});
    const auto started = std::chrono::steady_clock::now();
    const auto late = host.curl("/blockvisor.v1.TestHooksService/Sleep", "application/json",
                                "{\"delayMs\": 10000}", {"-H", "Connect-Timeout-Ms: 200"});
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(last_line(late.out), "504");
    EXPECT_NE(late.out.find("\"code\":\"deadline_exceeded\""), std::string::npos) << late.out;
    // The handler was cut off, not waited for (it would take 10 s).
    EXPECT_LT(took, 9s);
    EXPECT_EQ(host.bv({"status"}).exit_code, 0);
}

TEST(Daemon, SecondDaemonOnTheSameRootIsRefused) {
    HostUnderTest host;
    const auto second = run({binary("bvd"), "--root", host.root().string()}, 20s);
    EXPECT_EQ(second.exit_code, 1);
    EXPECT_NE(second.err.find("already running"), std::string::npos) << second.err;
    EXPECT_TRUE(host.daemon().running());
    EXPECT_EQ(host.bv({"status"}).exit_code, 0);
}

TEST(Daemon, SigtermExitsCleanlyAndRemovesTheSocket) {
    HostUnderTest host;
    host.daemon().signal(SIGTERM);
    const auto result = host.daemon().wait(15s);
    // bvd's log says where a slow or failed shutdown stopped (this failed once in CI, unexplained).
    ASSERT_TRUE(result) << "bvd did not exit after SIGTERM; its output:\n" << host.daemon().err();
    EXPECT_EQ(result->exit_code, 0) << result->err;
    EXPECT_FALSE(std::filesystem::exists(host.socket()));
}

TEST(Daemon, SigtermLetsACallInFlightFinish) {
    HostUnderTest host({"--log-level", "debug", "--test-hooks"});
    Process slow({"curl", "-sS", "--unix-socket", host.socket().string(), "-H",
                  "Content-Type: application/json", "-d", "{\"delayMs\": 1000}",
                  "http://localhost/blockvisor.v1.TestHooksService/Sleep"},
                 host.root());
    ASSERT_TRUE(eventually([&] {
        return host.daemon().err().find("call /blockvisor.v1.TestHooksService/Sleep") !=
               std::string::npos;
    }));
    host.daemon().signal(SIGTERM);
    const auto curl_result = slow.wait(15s);
    ASSERT_TRUE(curl_result);
    EXPECT_EQ(curl_result->out, "{}") << curl_result->err;
    const auto daemon_result = host.daemon().wait(15s);
    ASSERT_TRUE(daemon_result);
    EXPECT_EQ(daemon_result->exit_code, 0);
}

// What a local user in the socket's group can do to bvd's API: flood it with connections.
constexpr int kFloodConnections = 1100;  // more than bvd takes at once (1024)
constexpr auto kHealthRequest =
    "POST /blockvisor.v1.HostService/Health HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
    "Content-Length: 2\r\n\r\n{}";

// The connections of a flood, closed at the end of the test.
class Flood {
public:
    enum class Kind { idle, idle_and_half_closed };

    // Opens kFloodConnections connections; with idle_and_half_closed, every other one sends
    // one call and shuts down its sending side.
    void open(const HostUnderTest& host, Kind kind) {
        ASSERT_GE(raise_open_file_limit(), 2u * kFloodConnections) << "the flood needs a descriptor per connection";
        for (int i = 0; i < kFloodConnections; ++i) {
            const int fd = connect_unix_socket(host.socket());
            ASSERT_GE(fd, 0) << "connection " << i << " refused";
            if (kind == Kind::idle || i % 2 == 0) {
                idle.push_back(fd);
                continue;
            }
            half_closed.push_back(fd);
            ASSERT_TRUE(send_all(fd, kHealthRequest));
            ::shutdown(fd, SHUT_WR);
        }
    }

    ~Flood() {
        for (const int fd : idle) ::close(fd);
        for (const int fd : half_closed) ::close(fd);
    }

    std::vector<int> idle;
    std::vector<int> half_closed;
};

// `bv status` (its process included) gets its answer within `bound`.
void expect_bv_status_answers_within(const HostUnderTest& host, std::chrono::milliseconds bound) {
    const auto started = std::chrono::steady_clock::now();
    const auto status = host.bv({"status"});
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(status.exit_code, 0) << status.err;
    EXPECT_NE(status.out.find("bvd is running"), std::string::npos) << status.out;
    EXPECT_LT(took, bound) << "bv status took "
                           << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
}

TEST(Daemon, FloodOfIdleAndHalfClosedConnectionsDoesNotLockOutTheCli) {
    HostUnderTest host;
    Flood flood;
    ASSERT_NO_FATAL_FAILURE(flood.open(host, Flood::Kind::idle_and_half_closed));
    // Each half-closed connection gets its answer, and then its end: bvd keeps none of them.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    int answered = 0;
    int closed = 0;
    for (const int fd : flood.half_closed) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        const auto received = receive_until_closed(fd, std::max(left, std::chrono::milliseconds(0)));
        answered += received.bytes.find("\"status\":\"ok\"") != std::string::npos;
        closed += received.closed_at.has_value();
    }
    EXPECT_EQ(answered, kFloodConnections / 2);
    EXPECT_EQ(closed, kFloodConnections / 2) << "half-closed connections held open after their answer";
    expect_bv_status_answers_within(host, std::chrono::seconds(1));
}

// Beyond bvd's limit, the connections idle the longest make room for new ones.
TEST(Daemon, FloodOfIdleConnectionsBeyondTheLimitDoesNotLockOutTheCli) {
    HostUnderTest host;
    Flood flood;
    ASSERT_NO_FATAL_FAILURE(flood.open(host, Flood::Kind::idle));
    expect_bv_status_answers_within(host, std::chrono::seconds(1));
    EXPECT_TRUE(closed_by_peer(flood.idle.front(), std::chrono::seconds(5))) << "the oldest idle connection is still open";
    EXPECT_FALSE(closed_by_peer(flood.idle.back())) << "the newest connection was closed instead of the oldest";
}

TEST(Cli, DaemonNotRunningGivesOneLineHowToStartIt) {
    TempDir root("bv-empty");
    const auto status = run({binary("bv"), "--root", root.path().string(), "status"});
    EXPECT_EQ(status.exit_code, 1);
    EXPECT_NE(status.err.find("bvd --root " + root.path().string()), std::string::npos) << status.err;
    EXPECT_EQ(std::count(status.err.begin(), status.err.end(), '\n'), 1) << status.err;
}

TEST(Cli, UsageErrorsExitTwo) {
    EXPECT_EQ(run({binary("bv"), "--no-such-flag", "status"}).exit_code, 2);
    EXPECT_EQ(run({binary("bv")}).exit_code, 2);
    EXPECT_EQ(run({binary("bv"), "frobnicate"}).exit_code, 2);
}

TEST(Modes, EveryModeOfBothExecutablesAnswersHelpAndVersion) {
    for (const auto* name : {"bvd", "blockvisord", "bv", "bv-installer", "babel", "babelsup"}) {
        const auto help = run({binary(name), "--help"});
        EXPECT_EQ(help.exit_code, 0) << name << ": " << help.err;
        EXPECT_NE(help.out.find(name), std::string::npos) << help.out;
        const auto version = run({binary(name), "--version"});
        EXPECT_EQ(version.exit_code, 0) << name;
        EXPECT_NE(version.out.find("blockvisor "), std::string::npos) << version.out;
    }
    for (const auto& [program, mode] : {std::pair{binary(), "bvd"}, std::pair{node_binary(), "babelsup"}}) {
        const auto through_binary = run({program, mode, "--help"});
        EXPECT_EQ(through_binary.exit_code, 0) << program;
        EXPECT_NE(through_binary.out.find(mode), std::string::npos) << through_binary.out;
        EXPECT_EQ(run({program, "--version"}).exit_code, 0) << program;
        EXPECT_EQ(run({program, "--help"}).exit_code, 0) << program;
    }
}

TEST(Modes, UnknownModeListsTheModesAndExitsTwo) {
    const auto unknown = run({binary(), "frobnicate"});
    EXPECT_EQ(unknown.exit_code, 2);
    EXPECT_NE(unknown.err.find("unknown mode 'frobnicate'"), std::string::npos) << unknown.err;
    EXPECT_NE(unknown.err.find("bv-installer"), std::string::npos);
    EXPECT_EQ(run({binary()}).exit_code, 2);
    // Each executable has only its own modes.
    const auto node_mode_on_host = run({binary(), "babel"});
    EXPECT_EQ(node_mode_on_host.exit_code, 2);
    EXPECT_NE(node_mode_on_host.err.find("unknown mode 'babel'"), std::string::npos) << node_mode_on_host.err;
    EXPECT_EQ(run({node_binary(), "bvd"}).exit_code, 2);
    EXPECT_EQ(run({node_binary()}).exit_code, 2);
}

TEST(Modes, NodeBinaryLinksNoTlsNorHostCode) {
    // What every node carries: nothing of the daemon, the CLI or OpenSSL.
    const auto symbols = run({"nm", "-C", node_binary()});
    ASSERT_EQ(symbols.exit_code, 0) << symbols.err;
    for (const auto* absent : {"SSL_read", "EVP_DigestInit", "bv::daemon::", "bv::cli::", "bv::machine::"}) {
        EXPECT_EQ(symbols.out.find(absent), std::string::npos) << "bv-node links " << absent;
    }
}

}  // namespace
}  // namespace bv::test
