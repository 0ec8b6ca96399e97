// Host names without NSS: the host's resolver (c-ares) through /etc/hosts and name servers,
// its bounds, the HTTP client using it, and the static binary in a chroot with no NSS library.

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <fstream>
#include <thread>

#include "host/dns_resolver.hpp"
#include "rpc/connect_client.hpp"
#include "rpc/error.hpp"
#include "rpc/server.hpp"
#include "rpc/tls.hpp"
#include "support/echo_service.hpp"
#include "support/fake_dns_server.hpp"
#include "support/process.hpp"
#include "support/rpc_call.hpp"
#include "support/run_to_end.hpp"
#include "support/test_certificate.hpp"

namespace bv::test {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace fs = std::filesystem;

std::vector<std::string> texts(const rpc::IpAddresses& addresses) {
    std::vector<std::string> result;
    for (const auto& address : addresses) result.push_back(address.to_string());
    return result;
}

void write(const fs::path& file, const std::string& content) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << content;
}

// The resolver in this process, with /etc/hosts replaced by a file of the test's (named by
// CARES_HOSTS) and the name servers by fake ones.
class NameResolutionTest : public ::testing::Test {
protected:
    void SetUp() override {
        write(hosts_, "127.0.0.2 probe.test\n127.0.0.1 probe.test\n::1 six.test\n");
        ::setenv("CARES_HOSTS", hosts_.c_str(), 1);
    }
    void TearDown() override {
        ::unsetenv("CARES_HOSTS");
        rpc::set_name_resolver({});
    }

    static host::DnsResolverOptions options_with(std::string servers,
                                                 std::chrono::milliseconds timeout = 5s) {
        host::DnsResolverOptions options;
        options.servers = std::move(servers);
        options.timeout = timeout;
        options.hosts_file_from_environment = true;
        return options;
    }

    rpc::IpAddresses resolve(const std::string& host, host::DnsResolverOptions options) {
        rpc::IpAddresses addresses;
        run_to_end(io_, [&]() -> asio::awaitable<void> {
            addresses = co_await host::make_dns_resolver(options)(host);
        }());
        return addresses;
    }

    // The failure of resolving `host`, and how long it took.
    std::pair<std::string, std::chrono::milliseconds> failure_of(const std::string& host,
                                                                 host::DnsResolverOptions options) {
        const auto start = std::chrono::steady_clock::now();
        std::string failure = "no failure";
        try {
            resolve(host, options);
        } catch (const rpc::Error& error) {
            failure = error.what();
        }
        return {failure, std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - start)};
    }

    TempDir dir_{"bv-resolve"};
    fs::path hosts_ = dir_.path() / "hosts";
    asio::io_context io_;
};

TEST_F(NameResolutionTest, HostsFileComesFirstInItsOwnOrder) {
    FakeDnsServer silent(std::nullopt);
    const auto options = options_with(silent.address());
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(texts(resolve("probe.test", options)),
              (std::vector<std::string>{"127.0.0.2", "127.0.0.1"}));
    EXPECT_EQ(texts(resolve("six.test", options)), (std::vector<std::string>{"::1"}));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s) << "waited for a name server";
    EXPECT_EQ(silent.queries(), 0) << "asked a name server for a name /etc/hosts has";
}

TEST_F(NameResolutionTest, OtherNamesAreAskedOfTheNameServers) {
    FakeDnsServer dns("127.0.0.9");
    const auto options = options_with(dns.address());
    EXPECT_EQ(texts(resolve("dns-only.test", options)), (std::vector<std::string>{"127.0.0.9"}));
    EXPECT_GE(dns.queries(), 1);
}

TEST_F(NameResolutionTest, ASilentNameServerTimesOutCleanly) {
    FakeDnsServer silent(std::nullopt);
    const auto options = options_with(silent.address(), 300ms);
    const auto [failure, took] = failure_of("nowhere.test", options);
    EXPECT_NE(failure.find(
                  "cannot resolve the host name 'nowhere.test': no answer from the name servers"),
              std::string::npos)
        << failure;
    EXPECT_GE(took, 300ms);
    EXPECT_LT(took, 2s);
    EXPECT_GE(silent.queries(), 1);
}

TEST_F(NameResolutionTest, AnUnknownNameFailsNamingIt) {
    // Nobody listens there: refused at once.
    const auto options = options_with("127.0.0.1:" + std::to_string(free_local_port()));
    const auto [failure, took] = failure_of("unknown.test", options);
    EXPECT_NE(failure.find("cannot resolve the host name 'unknown.test'"), std::string::npos)
        << failure;
    EXPECT_LT(took, 5s);
}

TEST_F(NameResolutionTest, TheRequestDeadlineBoundsTheLookup) {
    FakeDnsServer silent(std::nullopt);
    rpc::set_name_resolver(host::make_dns_resolver(options_with(silent.address(), 60s)));
    rpc::Code code = rpc::Code::unknown;
    const auto start = std::chrono::steady_clock::now();
    run_to_end(io_, [&]() -> asio::awaitable<void> {
        rpc::ConnectClient client(io_.get_executor(), rpc::tcp_endpoint("nowhere.test", 9));
        try {
            co_await client.call<bvtest::v1::EchoResponse>("bvtest.v1.EchoService/Echo",
                                                           bvtest::v1::EchoRequest(), 300ms);
        } catch (const rpc::Error& error) {
            code = error.code();
        }
    }());
    EXPECT_EQ(code, rpc::Code::deadline_exceeded);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

// What resolve_host answers itself, with no resolver set (the node side).
TEST_F(NameResolutionTest, LiteralsAndLocalhostNeedNoResolver) {
    rpc::IpAddresses addresses;
    std::string failure;
    run_to_end(io_, [&]() -> asio::awaitable<void> {
        for (const auto* host : {"10.1.2.3", "::1", "localhost", "LOCALHOST."}) {
            const auto found = co_await rpc::resolve_host(host);
            addresses.insert(addresses.end(), found.begin(), found.end());
        }
        try {
            co_await rpc::resolve_host("probe.test");
        } catch (const rpc::Error& error) {
            failure = error.what();
        }
    }());
    EXPECT_EQ(texts(addresses),
              (std::vector<std::string>{"10.1.2.3", "::1", "127.0.0.1", "127.0.0.1"}));
    EXPECT_NE(failure.find("looks up no names"), std::string::npos) << failure;
}

// A TLS echo server on 127.0.0.1 only, with a certificate for probe.test.
class ResolvedServerTest : public NameResolutionTest {
protected:
    void SetUp() override {
        NameResolutionTest::SetUp();
        certificate_ = make_test_certificate(dir_.path(), "probe.test");
        echo_.register_with(router_);
        auto acceptor = rpc::listen_tcp(io_.get_executor(), "127.0.0.1", 0);
        port_ = rpc::bound_port(acceptor);
        asio::co_spawn(io_,
                       server_.serve_tls(std::move(acceptor),
                                         rpc::make_tls_server(certificate_.certificate.string(),
                                                              certificate_.key.string())),
                       asio::detached);
    }

    std::string url(const std::string& host) const {
        return "https://" + host + ":" + std::to_string(port_) + "/";
    }

    TestCertificate certificate_;
    rpc::Router router_;
    EchoService echo_;
    rpc::Server server_{router_, "resolved"};
    std::uint16_t port_ = 0;
};

// probe.test is 127.0.0.2 first (nobody listens there: refused), then 127.0.0.1; TLS checks
// the certificate against the name.
TEST_F(ResolvedServerTest, ClientConnectsByNameTryingTheAddressesInOrder) {
    FakeDnsServer silent(std::nullopt);
    rpc::set_name_resolver(host::make_dns_resolver(options_with(silent.address())));
    std::string text;
    run_to_end(io_, [&]() -> asio::awaitable<void> {
        const auto parsed =
            rpc::parse_url_with_tls(url("probe.test"), certificate_.certificate.string());
        rpc::ConnectClient client(io_.get_executor(), parsed.endpoint);
        bvtest::v1::EchoRequest request;
        request.set_text("by name");
        text = (co_await client.call<bvtest::v1::EchoResponse>("bvtest.v1.EchoService/Echo",
                                                               request, 5s))
                   .text();
    }());
    EXPECT_EQ(text, "by name");
}

#ifdef BV_RESOLVE_PROBE
// The static probe (tests/tools/resolve_probe.cpp) in a root that holds nothing but it, the CA
// and /etc: no libc, no NSS module. nsswitch.conf names modules as a desktop's does; glibc's
// getaddrinfo would try to load them (from whatever glibc the host has), c-ares takes only
// "files" and "dns" from it and reads /etc/hosts and /etc/resolv.conf itself.
class ChrootTest : public ResolvedServerTest {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "chroot needs root";
        ResolvedServerTest::SetUp();
        root_ = dir_.path() / "root";
        fs::create_directories(root_);
        fs::copy_file(BV_RESOLVE_PROBE, root_ / "resolve-probe");
        fs::copy_file(certificate_.certificate, root_ / "ca.pem");
        write(root_ / "etc/hosts", "127.0.0.2 probe.test\n127.0.0.1 probe.test\n");
        write(root_ / "etc/nsswitch.conf",
              "hosts: files mdns4_minimal [NOTFOUND=return] dns myhostname\n");
        // Nothing answers DNS on 127.0.0.1: a name not in /etc/hosts fails, and says so.
        write(root_ / "etc/resolv.conf", "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n");
    }

    // Runs the probe in the chroot while this thread serves the TLS server.
    ProcessResult probe(const std::string& url) {
        auto work = asio::make_work_guard(io_);
        std::thread serving([this] { io_.run(); });
        auto result = run({"chroot", root_.string(), "/resolve-probe", url, "/ca.pem"}, 20s);
        work.reset();
        io_.stop();
        serving.join();
        return result;
    }

    fs::path root_;
};

TEST_F(ChrootTest, StaticBinaryResolvesFromEtcHostsAndConnects) {
    std::vector<std::string> entries;
    for (const auto& entry : fs::recursive_directory_iterator(root_))
        entries.push_back(entry.path().lexically_relative(root_));
    std::ranges::sort(entries);
    EXPECT_EQ(entries, (std::vector<std::string>{"ca.pem", "etc", "etc/hosts", "etc/nsswitch.conf",
                                                 "etc/resolv.conf", "resolve-probe"}));
    const auto result = probe(url("probe.test"));
    EXPECT_EQ(result.exit_code, 0) << result.err;
    // The Connect server answers a GET (not a call) with 405: it was reached, over TLS.
    EXPECT_EQ(result.out, "HTTP 405\n") << result.err;
}

TEST_F(ChrootTest, StaticBinaryFailsCleanlyOnANameNoOneKnows) {
    const auto start = std::chrono::steady_clock::now();
    const auto result = probe(url("unknown.test"));
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("cannot resolve the host name 'unknown.test'"), std::string::npos)
        << result.err;
    EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

// What the link must keep true: glibc's getaddrinfo is not in the host's static binary (the
// libraries' calls go to src/host/no_nss_lookups.cpp), and the node's binary carries no c-ares.
bool defines(const std::string& nm_output, const std::string& symbol) {
    for (const auto* type : {" T ", " t ", " W "}) {
        if (nm_output.find(type + symbol + "\n") != std::string::npos) return true;
    }
    return false;
}

TEST(StaticBinaries, HostBinaryHasNoGetaddrinfoAndNodeBinaryNoCares) {
    const auto host_symbols = run({"nm", std::string(BV_BINARY_DIR) + "/blockvisor"});
    ASSERT_EQ(host_symbols.exit_code, 0) << host_symbols.err;
    EXPECT_FALSE(defines(host_symbols.out, "getaddrinfo"));
    EXPECT_TRUE(defines(host_symbols.out, "ares_getaddrinfo"));
    const auto node_symbols = run({"nm", std::string(BV_BINARY_DIR) + "/bv-node"});
    ASSERT_EQ(node_symbols.exit_code, 0) << node_symbols.err;
    EXPECT_FALSE(defines(node_symbols.out, "getaddrinfo"));
    EXPECT_EQ(node_symbols.out.find(" ares_"), std::string::npos);
    EXPECT_FALSE(defines(node_symbols.out, "archive_read_new"));
}
#endif

}  // namespace
}  // namespace bv::test
