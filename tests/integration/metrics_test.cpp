// bvd's Prometheus endpoint as a monitoring system sees it: the real bvd with a node, scraped
// over TCP, its answer judged by Prometheus' own promtool.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <regex>

#include "common/files.hpp"
#include "support/host_under_test.hpp"
#include "support/test_images.hpp"

namespace bv::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// The port bvd logged for its metrics ("serving metrics on http://127.0.0.1:PORT/metrics").
std::string metrics_base_url(HostUnderTest& host) {
    const std::regex serving("serving metrics on (http://127\\.0\\.0\\.1:[0-9]+)/metrics");
    std::smatch match;
    std::string log;
    eventually([&] {
        log = host.daemon().err() + host.daemon().out();
        return std::regex_search(log, match, serving);
    });
    return match.empty() ? std::string() : match[1].str();
}

// curl's body and, on the last line, the HTTP status.
ProcessResult get(const std::string& url, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"curl", "-sS", "-w", "\n%{http_code}"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(url);
    return run(args);
}

TEST(Metrics, ScrapeOfAHostWithANodePassesPromtool) {
    HostUnderTest host({"--metrics-listen", "127.0.0.1:0"});
    const auto base = metrics_base_url(host);
    ASSERT_FALSE(base.empty()) << host.daemon().err();
    ASSERT_EQ(host.bv({"image", "import", test_image("dummy").string(), "--replace"}).exit_code, 0);
    const auto image = json::value_to<std::string>(
        json::parse(host.bv({"image", "list", "--json"}).out).at("images").as_array().at(0).at("name"));
    const auto created = host.bv({"node", "create", image, "--name", "scraped", "--json"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    const auto id = json::value_to<std::string>(json::parse(created.out).at("id"));
    ASSERT_EQ(host.bv({"node", "start", "scraped"}).exit_code, 0);
    EXPECT_NE(host.bv({"node", "start", "no-such-node"}).exit_code, 0);
    // A reading of the node's methods now, rather than at the collector's next round.
    ASSERT_EQ(host.bv({"node", "metrics", "scraped"}).exit_code, 0);

    const auto scrape = get(base + "/metrics", {"-D", "-"});
    ASSERT_EQ(scrape.exit_code, 0) << scrape.err;
    EXPECT_TRUE(scrape.out.ends_with("\n200")) << scrape.out;
    EXPECT_NE(scrape.out.find("Content-Type: text/plain; version=0.0.4; charset=utf-8"), std::string::npos) << scrape.out;
    const auto body = scrape.out.substr(scrape.out.find("\r\n\r\n") + 4, scrape.out.rfind('\n') - scrape.out.find("\r\n\r\n") - 3);

    const auto labels = "node_id=\"" + id + "\",node_name=\"scraped\",image=\"" + image + "\"";
    EXPECT_TRUE(std::regex_search(body, std::regex("\nblockvisor_node_height\\{" + labels + "\\} [0-9]+\n"))) << body;
    EXPECT_NE(body.find("\nblockvisor_node_status{" + labels + ",status=\"running\"} 1\n"), std::string::npos) << body;
    EXPECT_NE(body.find("\nblockvisor_node_restarts_total{" + labels + "} 0\n"), std::string::npos) << body;
    EXPECT_NE(body.find("\nblockvisor_node_recovery_attempts{" + labels + "} 0\n"), std::string::npos) << body;
    EXPECT_NE(body.find("\nblockvisor_nodes{status=\"running\"} 1\n"), std::string::npos) << body;
    EXPECT_NE(body.find("\nblockvisor_node_operations_total{operation=\"create\",result=\"success\"} 1\n"),
              std::string::npos) << body;
    EXPECT_NE(body.find("\nblockvisor_node_operations_total{operation=\"start\",result=\"success\"} 1\n"),
              std::string::npos) << body;
    EXPECT_NE(body.find("\nblockvisor_node_operations_total{operation=\"start\",result=\"error\"} 1\n"),
              std::string::npos) << body;
    EXPECT_NE(body.find("\nblockvisor_node_operation_duration_seconds_count{operation=\"start\"} 2\n"),
              std::string::npos) << body;
    EXPECT_NE(body.find("\nblockvisor_control_plane_connected 0\n"), std::string::npos) << body;
    EXPECT_NE(body.find("\nblockvisor_host_memory_total_bytes "), std::string::npos) << body;

    // promtool (Debian's prometheus package) parses it as Prometheus would and lints the names.
    TempDir scratch("bv-scrape");
    write_file_atomically(scratch.path() / "scrape.txt", body);
    const auto check = run({"sh", "-c", "promtool check metrics < " + (scratch.path() / "scrape.txt").string()});
    EXPECT_EQ(check.exit_code, 0) << "promtool: " << check.out << check.err << "\n" << body;
    EXPECT_EQ(check.out + check.err, "") << body;
}

TEST(Metrics, HealthPagesAnswerGetAndHead) {
    HostUnderTest host({"--metrics-listen", "127.0.0.1:0"});
    const auto base = metrics_base_url(host);
    ASSERT_FALSE(base.empty()) << host.daemon().err();
    EXPECT_EQ(get(base + "/livez").out, "ok\n\n200");
    EXPECT_EQ(get(base + "/readyz").out, "ready\n\n200");
    const auto head = get(base + "/metrics", {"-I"});
    EXPECT_NE(head.out.find("Content-Length: "), std::string::npos) << head.out;
    EXPECT_EQ(head.out.find("# HELP"), std::string::npos) << head.out;
}

TEST(Metrics, HostConfigTurnsTheEndpointOn) {
    HostUnderTest host;
    EXPECT_EQ(host.daemon().err().find("serving metrics"), std::string::npos) << "off by default";
    host.daemon().signal(SIGTERM);
    ASSERT_TRUE(host.daemon().wait(15s));
    write_file_atomically(host.root() / "etc/blockvisor/config.json", R"({"metricsListen": "127.0.0.1:0"})");
    host.start_daemon();
    const auto base = metrics_base_url(host);
    ASSERT_FALSE(base.empty()) << host.daemon().err();
    EXPECT_EQ(get(base + "/livez").out, "ok\n\n200");
}

TEST(Metrics, AnUnusableAddressStopsBvdWithWhatToFix) {
    TempDir root("bv-host");
    const auto result = run({binary("bvd"), "--root", root.path().string(), "--metrics-listen", "localhost"});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("cannot serve metrics on 'localhost'"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("expected IP:PORT"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace bv::test
