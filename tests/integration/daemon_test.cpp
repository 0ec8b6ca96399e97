// bvd and bv as a user runs them: the real binary on a temporary root.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>

#include "support/host_under_test.hpp"

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

TEST(Daemon, CurlGetsJsonHealth) {
    HostUnderTest host;
    const auto health = host.curl("/blockvisor.v1.HostService/Health", "application/json", "{}");
    ASSERT_EQ(health.exit_code, 0) << health.err;
    EXPECT_EQ(last_line(health.out), "200");
    EXPECT_NE(health.out.find("\"status\":\"ok\""), std::string::npos) << health.out;
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
    HostUnderTest host;
    const auto started = std::chrono::steady_clock::now();
    const auto late = host.curl("/blockvisor.v1.HostService/Health", "application/json", "{\"delayMs\": 10000}",
                                {"-H", "Connect-Timeout-Ms: 200"});
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
    ASSERT_TRUE(result) << "bvd did not exit after SIGTERM";
    EXPECT_EQ(result->exit_code, 0) << result->err;
    EXPECT_FALSE(std::filesystem::exists(host.socket()));
}

TEST(Daemon, SigtermLetsACallInFlightFinish) {
    HostUnderTest host({"--log-level", "debug"});
    Process slow({"curl", "-sS", "--unix-socket", host.socket().string(), "-H", "Content-Type: application/json",
                  "-d", "{\"delayMs\": 1000}", "http://localhost/blockvisor.v1.HostService/Health"},
                 host.root());
    ASSERT_TRUE(eventually([&] { return host.daemon().err().find("call /blockvisor.v1.HostService/Health") != std::string::npos; }));
    host.daemon().signal(SIGTERM);
    const auto curl_result = slow.wait(15s);
    ASSERT_TRUE(curl_result);
    EXPECT_NE(curl_result->out.find("\"status\":\"ok\""), std::string::npos) << curl_result->out << curl_result->err;
    const auto daemon_result = host.daemon().wait(15s);
    ASSERT_TRUE(daemon_result);
    EXPECT_EQ(daemon_result->exit_code, 0);
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

TEST(Modes, EveryModeAnswersHelpAndVersion) {
    for (const auto* name : {"bvd", "blockvisord", "bv", "babel", "babelsup", "bv-installer"}) {
        const auto help = run({binary(name), "--help"});
        EXPECT_EQ(help.exit_code, 0) << name << ": " << help.err;
        EXPECT_NE(help.out.find(name), std::string::npos) << help.out;
        const auto version = run({binary(name), "--version"});
        EXPECT_EQ(version.exit_code, 0) << name;
        EXPECT_NE(version.out.find("blockvisor "), std::string::npos) << version.out;
    }
    const auto through_binary = run({binary(), "babelsup", "--help"});
    EXPECT_EQ(through_binary.exit_code, 0);
    EXPECT_NE(through_binary.out.find("babelsup"), std::string::npos);
}

TEST(Modes, UnknownModeListsTheModesAndExitsTwo) {
    const auto unknown = run({binary(), "frobnicate"});
    EXPECT_EQ(unknown.exit_code, 2);
    EXPECT_NE(unknown.err.find("unknown mode 'frobnicate'"), std::string::npos) << unknown.err;
    EXPECT_NE(unknown.err.find("babelsup"), std::string::npos);
    EXPECT_EQ(run({binary()}).exit_code, 2);
}

}  // namespace
}  // namespace bv::test
