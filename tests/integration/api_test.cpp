// bv-api, the reference control plane, as hosts and admins use it: real processes, TLS on
// 127.0.0.1 with the CA it made.

#include <gtest/gtest.h>

#include "api/tls_material.hpp"
#include "blockvisor/api/admin/v1/admin.pb.h"
#include "blockvisor/api/v1/image.pb.h"
#include "blockvisor/api/v1/key.pb.h"
#include "blockvisor/api/v1/metrics.pb.h"
#include "blockvisor/api/v1/node.pb.h"
#include "common/files.hpp"
#include "common/sha256.hpp"
#include "common/wall_clock.hpp"
#include "support/api_under_test.hpp"
#include "support/host_under_test.hpp"
#include "support/rpc_call.hpp"
#include "support/test_images.hpp"

namespace bv::test {
namespace {

namespace v1 = blockvisor::api::v1;
using std::chrono::milliseconds;
using std::chrono::seconds;

::testing::AssertionResult mentions(const std::string& text, std::initializer_list<std::string_view> parts) {
    for (const auto part : parts) {
        if (text.find(part) == std::string::npos) {
            return ::testing::AssertionFailure() << "'" << text << "' does not mention '" << part << "'";
        }
    }
    return ::testing::AssertionSuccess();
}

v1::ProvisionRequest provision_request(const std::string& otp) {
    v1::ProvisionRequest request;
    request.set_otp(otp);
    request.mutable_info()->set_name("host-a");
    request.mutable_info()->set_version("0.1.0");
    return request;
}

// Adds the dummy image to bv-api; returns its name.
std::string add_dummy_image(const ApiUnderTest& api) {
    const auto added = api.admin({"image", "add", test_image("dummy").string(), "--json"});
    EXPECT_EQ(added.exit_code, 0) << added.err;
    return json_field(added.out, "image.name");
}

// `bv-api node create` with --json; returns (node id, command id).
std::pair<std::string, std::string> create_node(const ApiUnderTest& api, const std::string& host,
                                                const std::string& image, const std::string& name) {
    const auto created = api.admin({"node", "create", host, image, "--name", name, "--json"});
    EXPECT_EQ(created.exit_code, 0) << created.err;
    return {json_field(created.out, "node.id"), json_field(created.out, "command.command.id")};
}

template <class Response, class Request>
std::string error_of_call(const ApiUnderTest& api, const std::string& procedure, const Request& request,
                          const std::string& bearer = {}) {
    return error_of([&] { api.call<Response>(procedure, request, bearer); });
}

v1::CompleteCommandRequest completion(const std::string& command_id, bool success, const std::string& message = {}) {
    v1::CompleteCommandRequest request;
    request.set_command_id(command_id);
    request.mutable_result()->set_success(success);
    if (!success) {
        request.mutable_result()->set_error_code("internal");
        request.mutable_result()->set_error_message(message);
    }
    return request;
}

const std::string kProvision = "blockvisor.api.v1.HostService/Provision";
const std::string kRefresh = "blockvisor.api.v1.AuthService/Refresh";
const std::string kAck = "blockvisor.api.v1.CommandService/Ack";
const std::string kComplete = "blockvisor.api.v1.CommandService/Complete";
const std::string kListKeys = "blockvisor.api.v1.KeyService/List";
const std::string kSaveKeys = "blockvisor.api.v1.KeyService/Save";
const std::string kLocate = "blockvisor.api.v1.ImageService/Locate";

// ---- provisioning ------------------------------------------------------------------------------

TEST(ApiProvisioning, ValidOtpRegistersTheHostAndItsTokensWork) {
    ApiUnderTest api;
    const auto response = api.call<v1::ProvisionResponse>(kProvision, provision_request(api.otp()));
    EXPECT_EQ(response.host_id().size(), 36u);
    EXPECT_EQ(response.tokens().access_token().size(), 64u);
    EXPECT_GT(response.tokens().access_token_expires_at_ms(), unix_time_ms() + 3'000'000);
    v1::ListKeysRequest keys;
    keys.set_node_id("unknown");
    EXPECT_EQ(api.call<v1::ListKeysResponse>(kListKeys, keys, response.tokens().access_token()).keys_size(), 0);
    const auto hosts = api.admin({"hosts", "--json"});
    EXPECT_EQ(json_field(hosts.out, "hosts.0.id"), response.host_id());
    EXPECT_EQ(json_field(hosts.out, "hosts.0.info.name"), "host-a");
}

TEST(ApiProvisioning, UsedOtpIsRefused) {
    ApiUnderTest api;
    const auto otp = api.otp();
    api.call<v1::ProvisionResponse>(kProvision, provision_request(otp));
    EXPECT_TRUE(mentions(error_of_call<v1::ProvisionResponse>(api, kProvision, provision_request(otp)),
                         {"unauthenticated: ", "used already"}));
    EXPECT_EQ(json_field(api.admin({"hosts", "--json"}).out, "hosts.1"), "<missing>");
}

TEST(ApiProvisioning, ExpiredOtpIsRefusedAndNothingIsSaved) {
    ApiUnderTest api;
    const auto created = api.admin({"otp", "--ttl-seconds", "1", "--json"});
    const auto otp = json_field(created.out, "otp");
    const auto expires_at = std::stoll(json_field(created.out, "expiresAtMs"));
    ASSERT_TRUE(eventually([&] { return unix_time_ms() > expires_at; }, seconds(5)));
    EXPECT_TRUE(mentions(error_of_call<v1::ProvisionResponse>(api, kProvision, provision_request(otp)),
                         {"unauthenticated: ", "expired"}));
    EXPECT_EQ(json_field(api.admin({"hosts", "--json"}).out, "hosts.0"), "<missing>");
}

TEST(ApiProvisioning, MissingHostInfoIsAnInvalidArgumentAndKeepsTheOtp) {
    ApiUnderTest api;
    const auto otp = api.otp();
    v1::ProvisionRequest request;
    request.set_otp(otp);
    EXPECT_TRUE(mentions(error_of_call<v1::ProvisionResponse>(api, kProvision, request), {"invalid_argument: "}));
    EXPECT_EQ(error_of_call<v1::ProvisionResponse>(api, kProvision, provision_request(otp)), "no error");
}

TEST(ApiProvisioning, AClientWithAnotherCaRefusesTheServer) {
    ApiUnderTest api;
    TempDir other("bv-api-other-ca");
    const auto other_ca = api::ensure_tls_material(other.path(), {"127.0.0.1"}).ca_certificate;
    const auto error = error_of([&] {
        call<v1::ProvisionResponse>(api.endpoint(other_ca), kProvision, provision_request(api.otp()));
    });
    EXPECT_TRUE(mentions(error, {"unavailable: ", "certificate verify failed"}));
}

TEST(ApiProvisioning, ServerDownIsUnavailableAndAdminCommandsSaySo) {
    ApiUnderTest api;
    api.kill_hard();
    const auto error = error_of([&] { api.call<v1::ProvisionResponse>(kProvision, provision_request("x")); });
    EXPECT_TRUE(mentions(error, {"unavailable: "}));
    const auto admin = api.admin({"hosts"});
    EXPECT_EQ(admin.exit_code, 1);
    EXPECT_TRUE(mentions(admin.err, {"cannot reach bv-api at " + api.url(), "is it running?", "bv-api serve --data"}));
    EXPECT_EQ(std::count(admin.err.begin(), admin.err.end(), '\n'), 1) << admin.err;
}

// ---- commands ----------------------------------------------------------------------------------

TEST(ApiCommands, StreamSendsPendingCommandsFirstThenNewOnesAsTheyAreIssued) {
    // A long heartbeat: a command that arrives within it was pushed, not polled.
    ApiUnderTest api({"--heartbeat-ms", "20000"});
    const auto host = provision(api, "host-a");
    const auto image = add_dummy_image(api);
    const auto [node, create_command] = create_node(api, host.id, image, "n1");
    const auto start = api.admin({"node", "start", "n1", "--json"});
    const auto start_command = json_field(start.out, "command.command.id");

    CommandStream stream(api, host);
    auto first = stream.next();
    ASSERT_TRUE(first && first->has_command());
    EXPECT_EQ(first->command().id(), create_command);
    EXPECT_EQ(first->command().node_create().node_id(), node);
    EXPECT_EQ(first->command().node_create().image(), "dummy/sleeper/1.0.0");
    auto second = stream.next();
    ASSERT_TRUE(second && second->has_command());
    EXPECT_EQ(second->command().id(), start_command);
    EXPECT_TRUE(second->command().has_node_start());
    // Then a heartbeat: the backlog is all there.
    auto heartbeat = stream.next();
    ASSERT_TRUE(heartbeat && heartbeat->has_heartbeat());
    EXPECT_EQ(heartbeat->heartbeat().interval_ms(), 20'000u);

    const auto issued_at = std::chrono::steady_clock::now();
    const auto stop = api.admin({"node", "stop", node, "--force", "--json"});
    auto third = stream.next(seconds(5));
    const auto latency = std::chrono::steady_clock::now() - issued_at;
    ASSERT_TRUE(third && third->has_command()) << "no command within 5 s of its issue";
    EXPECT_EQ(third->command().id(), json_field(stop.out, "command.command.id"));
    EXPECT_TRUE(third->command().node_stop().force());
    std::printf("issue (the admin command, a process) to delivery: %lld ms\n",
                static_cast<long long>(std::chrono::duration_cast<milliseconds>(latency).count()));
}

TEST(ApiCommands, HeartbeatsComeAtTheConfiguredInterval) {
    ApiUnderTest api({"--heartbeat-ms", "200"});
    const auto host = provision(api, "host-a");
    CommandStream stream(api, host);
    ASSERT_TRUE(stream.next());  // the one after the (empty) backlog
    std::vector<std::chrono::steady_clock::time_point> arrivals;
    for (int i = 0; i < 5; ++i) {
        auto message = stream.next(seconds(2));
        ASSERT_TRUE(message && message->has_heartbeat());
        EXPECT_EQ(message->heartbeat().interval_ms(), 200u);
        EXPECT_GT(message->heartbeat().at_ms(), 0);
        arrivals.push_back(std::chrono::steady_clock::now());
    }
    for (std::size_t i = 1; i < arrivals.size(); ++i) {
        const auto gap = std::chrono::duration_cast<milliseconds>(arrivals[i] - arrivals[i - 1]).count();
        EXPECT_GE(gap, 100) << "heartbeat " << i;
        EXPECT_LE(gap, 600) << "heartbeat " << i;
    }
}

TEST(ApiCommands, AckAndCompleteAreIdempotentAndACompletedCommandIsNotSentAgain) {
    ApiUnderTest api({"--heartbeat-ms", "20000"});
    const auto host = provision(api, "host-a");
    const auto image = add_dummy_image(api);
    const auto [node, create_command] = create_node(api, host.id, image, "n1");
    const auto start_command = json_field(api.admin({"node", "start", "n1", "--json"}).out, "command.command.id");
    const auto& token = host.tokens.access_token();

    v1::AckCommandRequest ack;
    ack.set_command_id(create_command);
    EXPECT_EQ(error_of_call<v1::AckCommandResponse>(api, kAck, ack, token), "no error");
    EXPECT_EQ(error_of_call<v1::AckCommandResponse>(api, kAck, ack, token), "no error");
    EXPECT_EQ(error_of_call<v1::CompleteCommandResponse>(api, kComplete, completion(create_command, true), token),
              "no error");
    EXPECT_EQ(error_of_call<v1::CompleteCommandResponse>(api, kComplete,
                                                         completion(create_command, false, "second result"), token),
              "no error");
    const auto commands = api.admin({"commands", "--json"});
    EXPECT_EQ(json_field(commands.out, "commands.0.state"), "COMMAND_STATE_COMPLETED");
    EXPECT_EQ(json_field(commands.out, "commands.0.result.success"), "true") << "the first result stays";
    EXPECT_EQ(json_field(commands.out, "commands.1.state"), "COMMAND_STATE_PENDING");

    CommandStream stream(api, host);
    const auto first = stream.next_command();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->id(), start_command) << "the completed create is not sent again";
    auto after = stream.next();
    ASSERT_TRUE(after);
    EXPECT_TRUE(after->has_heartbeat());

    v1::AckCommandRequest unknown;
    unknown.set_command_id("no-such-command");
    EXPECT_TRUE(mentions(error_of_call<v1::AckCommandResponse>(api, kAck, unknown, token), {"not_found: "}));
}

TEST(ApiCommands, AnotherHostSeesNeitherTheCommandsNorTheNodesOfAHost) {
    ApiUnderTest api({"--heartbeat-ms", "20000"});
    const auto host = provision(api, "host-a");
    const auto other = provision(api, "host-b");
    const auto [node, create_command] = create_node(api, host.id, add_dummy_image(api), "n1");
    v1::AckCommandRequest ack;
    ack.set_command_id(create_command);
    EXPECT_TRUE(mentions(error_of_call<v1::AckCommandResponse>(api, kAck, ack, other.tokens.access_token()),
                         {"not_found: "}));
    v1::SaveKeysRequest save;
    save.set_node_id(node);
    EXPECT_TRUE(mentions(error_of_call<v1::SaveKeysResponse>(api, kSaveKeys, save, other.tokens.access_token()),
                         {"permission_denied: "}));
    CommandStream others(api, other);
    ASSERT_TRUE(others.next());
    EXPECT_FALSE(others.next_command(milliseconds(300))) << "host-b got host-a's command";
}

// ---- restarts ----------------------------------------------------------------------------------

TEST(ApiRestart, KillNineLosesNoHostTokenCommandNodeOrKey) {
    ApiUnderTest api({"--heartbeat-ms", "20000"});
    const auto host = provision(api, "host-a");
    const auto image = add_dummy_image(api);
    const auto [node, create_command] = create_node(api, host.id, image, "n1");
    v1::SaveKeysRequest save;
    save.set_node_id(node);
    auto& key = *save.add_keys();
    key.set_name("validator.key");
    key.set_content(std::string("secret\0bytes", 12));
    api.call<v1::SaveKeysResponse>(kSaveKeys, save, host.tokens.access_token());
    const auto otp = api.otp();

    api.kill_hard();
    api.start({"--heartbeat-ms", "20000"});

    v1::ListKeysRequest list;
    list.set_node_id(node);
    const auto keys = api.call<v1::ListKeysResponse>(kListKeys, list, host.tokens.access_token());
    ASSERT_EQ(keys.keys_size(), 1);
    EXPECT_EQ(keys.keys(0).content(), std::string("secret\0bytes", 12));
    CommandStream stream(api, host);
    const auto pending = stream.next_command();
    ASSERT_TRUE(pending);
    EXPECT_EQ(pending->id(), create_command);
    EXPECT_EQ(json_field(api.admin({"nodes", "--json"}).out, "nodes.0.id"), node);
    EXPECT_EQ(json_field(api.admin({"images", "--json"}).out, "images.0.name"), image);
    EXPECT_EQ(error_of_call<v1::ProvisionResponse>(api, kProvision, provision_request(otp)), "no error")
        << "an OTP made before the crash still works";
    v1::RefreshRequest refresh;
    refresh.set_refresh_token(host.tokens.refresh_token());
    EXPECT_EQ(error_of_call<v1::RefreshResponse>(api, kRefresh, refresh), "no error");
}

TEST(ApiRestart, ASecondServerOnTheSameDataIsRefused) {
    ApiUnderTest api;
    const auto second = run({binary("bv-api"), "serve", "--data", api.data().string(), "--listen", "127.0.0.1:0"});
    EXPECT_EQ(second.exit_code, 1);
    EXPECT_TRUE(mentions(second.err, {"another bv-api (pid " + std::to_string(api.server().pid()), "serves"}));
}

TEST(ApiRestart, StopEndsStreamsWithUnavailable) {
    ApiUnderTest api({"--heartbeat-ms", "20000"});
    const auto host = provision(api, "host-a");
    CommandStream stream(api, host);
    ASSERT_TRUE(stream.next());
    api.stop();
    const auto end = stream.ended();
    ASSERT_TRUE(end);
    EXPECT_TRUE(mentions(*end, {"unavailable: ", "shutting down"}));
    EXPECT_FALSE(std::filesystem::exists(api.data() / "server.json"));
}

// ---- tokens ------------------------------------------------------------------------------------

TEST(ApiTokens, ExpiredAccessTokenIsUnauthenticatedAndRefreshGivesANewOne) {
    ApiUnderTest api({"--token-ttl-seconds", "1"});
    const auto host = provision(api, "host-a");
    v1::ListKeysRequest list;
    list.set_node_id("x");
    EXPECT_EQ(error_of_call<v1::ListKeysResponse>(api, kListKeys, list, host.tokens.access_token()), "no error");
    ASSERT_TRUE(eventually([&] { return unix_time_ms() > host.tokens.access_token_expires_at_ms(); }, seconds(5)));
    EXPECT_TRUE(mentions(error_of_call<v1::ListKeysResponse>(api, kListKeys, list, host.tokens.access_token()),
                         {"unauthenticated: ", "expired", "AuthService.Refresh"}));
    v1::RefreshRequest refresh;
    refresh.set_refresh_token(host.tokens.refresh_token());
    const auto renewed = api.call<v1::RefreshResponse>(kRefresh, refresh);
    EXPECT_NE(renewed.tokens().access_token(), host.tokens.access_token());
    EXPECT_GT(renewed.tokens().access_token_expires_at_ms(), unix_time_ms());
    EXPECT_EQ(renewed.tokens().refresh_token(), host.tokens.refresh_token());
    EXPECT_EQ(error_of_call<v1::ListKeysResponse>(api, kListKeys, list, renewed.tokens().access_token()), "no error");
}

TEST(ApiTokens, CallsWithoutOrWithAWrongTokenAreUnauthenticated) {
    ApiUnderTest api;
    v1::ListKeysRequest list;
    EXPECT_TRUE(mentions(error_of_call<v1::ListKeysResponse>(api, kListKeys, list), {"unauthenticated: ", "Bearer"}));
    EXPECT_TRUE(mentions(error_of_call<v1::ListKeysResponse>(api, kListKeys, list, "nonsense"), {"unauthenticated: "}));
    EXPECT_TRUE(mentions(error_of_call<blockvisor::api::admin::v1::ListHostsResponse>(
                             api, "blockvisor.api.admin.v1.AdminService/ListHosts",
                             blockvisor::api::admin::v1::ListHostsRequest(), "nonsense"),
                         {"unauthenticated: ", "admin token"}));
}

TEST(ApiTokens, RevokedHostIsUnauthenticatedAndItsStreamEnds) {
    ApiUnderTest api({"--heartbeat-ms", "20000"});
    const auto host = provision(api, "host-a");
    CommandStream stream(api, host);
    ASSERT_TRUE(stream.next());
    const auto revoked = api.admin({"host", "revoke", "host-a"});
    EXPECT_EQ(revoked.exit_code, 0) << revoked.err;
    const auto end = stream.ended(seconds(5));
    ASSERT_TRUE(end) << "the stream went on after the revoke";
    EXPECT_TRUE(mentions(*end, {"unauthenticated: ", "revoked"}));
    v1::RefreshRequest refresh;
    refresh.set_refresh_token(host.tokens.refresh_token());
    EXPECT_TRUE(mentions(error_of_call<v1::RefreshResponse>(api, kRefresh, refresh), {"unauthenticated: ", "revoked"}));
    v1::ListKeysRequest list;
    EXPECT_TRUE(mentions(error_of_call<v1::ListKeysResponse>(api, kListKeys, list, host.tokens.access_token()),
                         {"unauthenticated: ", "revoked"}));
    EXPECT_EQ(json_field(api.admin({"hosts", "--json"}).out, "hosts.0.revoked"), "true");
}

// ---- images ------------------------------------------------------------------------------------

class ApiImages : public ::testing::Test {
protected:
    ApiImages() : host_(provision(api_, "host-a")) {
        add_dummy_image(api_);
        v1::LocateImageRequest request;
        request.set_image("dummy/sleeper/1.0.0");
        located_ = api_.call<v1::LocateImageResponse>(kLocate, request, host_.tokens.access_token());
    }
    // curl's body and status (the last line) for a GET of the image with these options.
    ProcessResult curl(std::vector<std::string> options) {
        std::vector<std::string> args{"curl", "-sS", "--cacert", api_.ca().string(), "-w", "\n%{http_code}"};
        args.insert(args.end(), options.begin(), options.end());
        args.push_back(located_.url());
        return run(args);
    }
    static std::string status(const ProcessResult& result) { return result.out.substr(result.out.rfind('\n') + 1); }
    static std::string body(const ProcessResult& result) { return result.out.substr(0, result.out.rfind('\n')); }

    ApiUnderTest api_;
    ProvisionedHost host_;
    v1::LocateImageResponse located_;
};

TEST_F(ApiImages, LocateGivesAnHttpsUrlSizeAndHashOfTheArchive) {
    EXPECT_TRUE(located_.url().starts_with(api_.url() + "/files/images/dummy-sleeper-1.0.0-")) << located_.url();
    const auto whole = curl({});
    ASSERT_EQ(status(whole), "200") << whole.err;
    EXPECT_EQ(body(whole).size(), located_.size());
    EXPECT_EQ(sha256_hex(body(whole)), located_.sha256());
    v1::LocateImageRequest unknown;
    unknown.set_image("nope/x/1");
    EXPECT_TRUE(mentions(error_of_call<v1::LocateImageResponse>(api_, kLocate, unknown, host_.tokens.access_token()),
                         {"not_found: "}));
}

TEST_F(ApiImages, RangesGiveTheFirstBytesAndResumeFromTheMiddle) {
    const auto whole = body(curl({}));
    const auto head = curl({"-r", "0-99"});
    EXPECT_EQ(status(head), "206");
    EXPECT_EQ(body(head), whole.substr(0, 100));
    const auto middle = located_.size() / 2;
    const auto rest = curl({"-r", std::to_string(middle) + "-"});
    EXPECT_EQ(status(rest), "206");
    EXPECT_EQ(body(rest), whole.substr(middle));
    EXPECT_EQ(sha256_hex(body(head).substr(0, 100) + whole.substr(100, middle - 100) + body(rest)), located_.sha256());
    // curl's own resume (-C -) over a half-written file, as a downloader that was cut off does.
    TempDir dir("bv-api-download");
    const auto partial = dir.path() / "image.tar.gz";
    write_file_atomically(partial, whole.substr(0, middle));
    const auto resumed = run({"curl", "-sS", "--cacert", api_.ca().string(), "-C", "-", "-o", partial.string(),
                              "-w", "%{http_code}", located_.url()});
    EXPECT_EQ(resumed.out, "206") << resumed.err;
    EXPECT_EQ(sha256_file(partial), located_.sha256());
}

TEST_F(ApiImages, ARangePastTheEndIs416) {
    const auto refused = curl({"-r", std::to_string(located_.size()) + "-"});
    EXPECT_EQ(status(refused), "416");
    const auto headers = run({"curl", "-sS", "--cacert", api_.ca().string(), "-r",
                              std::to_string(located_.size() + 10) + "-", "-D", "-", "-o", "/dev/null", located_.url()});
    EXPECT_TRUE(mentions(headers.out, {"Content-Range: bytes */" + std::to_string(located_.size())})) << headers.out;
}

TEST_F(ApiImages, MissingFilesAndPathsOutsideAre404) {
    const auto base = api_.url() + "/files/";
    for (const auto& path : {base + "images/nope.tar.gz", base + "images/..%2f..%2fapi.db", base + "admin-token"}) {
        const auto result = run({"curl", "-sS", "--path-as-is", "--cacert", api_.ca().string(), "-o", "/dev/null",
                                 "-w", "%{http_code}", path});
        EXPECT_EQ(result.out, "404") << path;
    }
    const auto traversal = run({"curl", "-sS", "--path-as-is", "--cacert", api_.ca().string(), "-o", "/dev/null", "-w",
                                "%{http_code}", base + "../api.db"});
    EXPECT_EQ(traversal.out, "404");
}

// ---- node status, keys and metrics from the host ----------------------------------------------

TEST(ApiReports, NodeStatusKeepsTheHighestSequenceAndMetricsAndKeysShowInTheAdminViews) {
    ApiUnderTest api;
    const auto host = provision(api, "host-a");
    const auto node = create_node(api, host.id, add_dummy_image(api), "n1").first;
    const auto& token = host.tokens.access_token();
    const auto update = [&](v1::NodeStatus status, std::uint64_t sequence) {
        v1::UpdateNodeStatusRequest request;
        request.set_host_id(host.id);
        request.set_node_id(node);
        request.set_status(status);
        request.set_sequence(sequence);
        request.mutable_node()->set_id(node);
        request.mutable_node()->set_status(status);
        api.call<v1::UpdateNodeStatusResponse>("blockvisor.api.v1.NodeService/UpdateStatus", request, token);
    };
    update(v1::NODE_STATUS_STARTING, 100);
    update(v1::NODE_STATUS_RUNNING, 102);
    update(v1::NODE_STATUS_STOPPED, 101);  // late: ignored
    v1::ReportMetricsRequest report;
    report.set_host_id(host.id);
    report.mutable_host()->set_cpu_used_percent(12.5);
    report.mutable_host()->set_memory_total_bytes(1 << 30);
    auto& node_metrics = *report.add_nodes();
    node_metrics.set_node_id(node);
    (*node_metrics.mutable_values())["height"] = "4242";
    api.call<v1::ReportMetricsResponse>("blockvisor.api.v1.MetricsService/Report", report, token);
    v1::SaveKeysRequest save;
    save.set_node_id(node);
    save.add_keys()->set_name("node.key");
    save.mutable_keys(0)->set_content("k1");
    api.call<v1::SaveKeysResponse>(kSaveKeys, save, token);

    const auto nodes = api.admin({"nodes", "--json"}).out;
    EXPECT_EQ(json_field(nodes, "nodes.0.status"), "NODE_STATUS_RUNNING");
    EXPECT_EQ(json_field(nodes, "nodes.0.sequence"), "102");
    EXPECT_EQ(json_field(nodes, "nodes.0.metrics.values.height"), "4242");
    const auto table = api.admin({"nodes"}).out;
    EXPECT_TRUE(mentions(table, {"n1", "host-a", "running", "4242"})) << table;
    const auto hosts = api.admin({"hosts", "--json"}).out;
    EXPECT_EQ(json_field(hosts, "hosts.0.metrics.cpuUsedPercent"), "1.25E1");
    const auto keys = api.admin({"keys", "n1", "--json"}).out;
    EXPECT_EQ(json_field(keys, "keys.0.name"), "node.key");
    EXPECT_TRUE(mentions(api.admin({"keys", node}).out, {"node.key", "2 B"}));
}

// ---- the admin command line --------------------------------------------------------------------

TEST(ApiAdminCli, EveryCommandEndToEndWithJson) {
    ApiUnderTest api;
    const auto otp = api.admin({"otp", "--json"});
    ASSERT_EQ(otp.exit_code, 0) << otp.err;
    EXPECT_EQ(json_field(otp.out, "otp").size(), 19u);
    const auto host = provision(api, "host-a");
    const auto image = add_dummy_image(api);
    const auto images = api.admin({"images", "--json"});
    EXPECT_EQ(json_field(images.out, "images.0.name"), "dummy/sleeper/1.0.0");
    EXPECT_EQ(json_field(images.out, "images.0.sha256").size(), 64u);

    const auto created = api.admin({"node", "create", "host-a", image, "--name", "n1", "--property", "network=test",
                                    "--network", "bridge", "--ip", "10.0.0.9/24", "--gateway", "10.0.0.1", "--json"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    const auto node = json_field(created.out, "node.id");
    EXPECT_EQ(json_field(created.out, "command.command.nodeCreate.properties.network"), "test");
    EXPECT_EQ(json_field(created.out, "command.command.nodeCreate.network.mode"), "NETWORK_MODE_BRIDGE");
    EXPECT_EQ(json_field(created.out, "command.state"), "COMMAND_STATE_PENDING");

    for (const auto& [args, kind] : std::vector<std::pair<std::vector<std::string>, std::string>>{
             {{"node", "start", "n1"}, "nodeStart"},
             {{"node", "stop", node, "--force"}, "nodeStop"},
             {{"node", "restart", "n1"}, "nodeRestart"},
             {{"node", "upgrade", "n1", "dummy/sleeper/1.0.0"}, "nodeUpgrade"},
             {{"node", "delete", "n1"}, "nodeDelete"}}) {
        auto with_json = args;
        with_json.push_back("--json");
        const auto result = api.admin(with_json);
        ASSERT_EQ(result.exit_code, 0) << args[1] << ": " << result.err;
        EXPECT_NE(json_field(result.out, "command.command." + kind), "<missing>") << result.out;
        EXPECT_EQ(json_field(result.out, "node.id"), node);
    }
    const auto commands = api.admin({"commands", "--host", "host-a", "--json"});
    EXPECT_EQ(json_field(commands.out, "commands.5.command.nodeDelete.nodeId"), node);
    EXPECT_EQ(json_field(commands.out, "commands.6"), "<missing>");
    EXPECT_TRUE(mentions(api.admin({"commands"}).out, {"node_create", "node_delete", "pending"}));
    EXPECT_EQ(json_field(api.admin({"nodes", "--host", host.id, "--json"}).out, "nodes.0.desired"),
              "NODE_STATUS_DELETED");
    EXPECT_EQ(json_field(api.admin({"keys", "n1", "--json"}).out, "nodeId"), node);
    const auto hosts = api.admin({"hosts"});
    EXPECT_TRUE(mentions(hosts.out, {"host-a", host.id}));
    const auto revoked = api.admin({"host", "revoke", host.id, "--json"});
    EXPECT_EQ(json_field(revoked.out, "host.revoked"), "true");
}

TEST(ApiAdminCli, ErrorsAreOneLineAndUsageErrorsExit2) {
    ApiUnderTest api;
    const auto unknown = api.admin({"node", "start", "nothing"});
    EXPECT_EQ(unknown.exit_code, 1);
    EXPECT_TRUE(mentions(unknown.err, {"bv-api: no node with the id or name 'nothing'"}));
    EXPECT_EQ(std::count(unknown.err.begin(), unknown.err.end(), '\n'), 1) << unknown.err;
    EXPECT_EQ(api.admin({"node", "create", "h", "i"}).exit_code, 2) << "--name is required";
    EXPECT_EQ(api.admin({"node", "create", "h", "i", "--name", "n", "--property", "novalue"}).exit_code, 2);
    EXPECT_EQ(api.admin({"node", "start"}).exit_code, 2);
    EXPECT_EQ(api.admin({"frobnicate"}).exit_code, 2);
    EXPECT_EQ(run({binary("bv-api"), "hosts"}, seconds(10), {{"BV_API_DATA", ""}}).exit_code, 2) << "no --data";
    const auto not_an_image = api.admin({"image", "add", api.data().string()});
    EXPECT_EQ(not_an_image.exit_code, 1);
    EXPECT_TRUE(mentions(not_an_image.err, {"is not an image"}));
    for (const auto& command : std::vector<std::vector<std::string>>{
             {"--help"}, {"serve", "--help"}, {"otp", "--help"}, {"hosts", "--help"}, {"host", "revoke", "--help"},
             {"nodes", "--help"}, {"node", "create", "--help"}, {"node", "stop", "--help"}, {"node", "upgrade", "--help"},
             {"image", "add", "--help"}, {"images", "--help"}, {"keys", "--help"}, {"commands", "--help"}}) {
        const auto help = api.admin(command);
        EXPECT_EQ(help.exit_code, 0) << command[0];
        EXPECT_TRUE(mentions(help.out, {"Usage:"})) << command[0];
    }
}

TEST(ApiAdminCli, AdminCommandsFindTheServerThroughTheEnvironment) {
    ApiUnderTest api;
    const auto hosts = run({binary("bv-api"), "hosts", "--json"}, seconds(10), {{"BV_API_DATA", api.data().string()}});
    EXPECT_EQ(hosts.exit_code, 0) << hosts.err;
}

}  // namespace
}  // namespace bv::test
