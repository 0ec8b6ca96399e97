// The seed's fleet scenarios end to end: bvd on a temporary root provisioned against the
// reference control plane (bv-api, TLS on 127.0.0.1 with its own CA), nodes created and run
// by commands from it, the key exchange, and what happens when either side is killed.

#include <gtest/gtest.h>
#include <nettle/base64.h>
#include <signal.h>

#include <boost/json.hpp>
#include <regex>

#include "blockvisor/api/v1/key.pb.h"
#include "common/files.hpp"
#include "support/api_under_test.hpp"
#include "support/host_under_test.hpp"
#include "support/process.hpp"
#include "support/test_images.hpp"

namespace bv::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

std::string base64_of(const std::string& text) {
    std::string encoded(BASE64_ENCODE_RAW_LENGTH(text.size()), '\0');
    base64_encode_raw(encoded.data(), text.size(), reinterpret_cast<const std::uint8_t*>(text.data()));
    return encoded;
}

class Fleet : public ::testing::Test {
protected:
    std::string bv(std::vector<std::string> args) { return host_.bv_ok(std::move(args)); }

    // bv-api ARGS --json, expected to succeed.
    std::string admin(std::vector<std::string> args) {
        args.push_back("--json");
        const auto result = api_.admin(args);
        EXPECT_EQ(result.exit_code, 0) << "bv-api " << args.at(0) << ": " << result.err;
        return result.out;
    }

    std::string cp_status(const std::string& field) { return json_field(bv({"host", "status", "--json"}), field); }

    // bv init with a fresh one-time password; waits until bvd holds its command stream.
    std::string provision() {
        bv({"init", api_.otp(), "--api", api_.url(), "--ca", api_.ca().string(), "--yes"});
        EXPECT_TRUE(eventually([&] { return cp_status("connected") == "true"; }, 15s)) << bv({"host", "status"});
        return cp_status("hostId");
    }

    // An image directory like the dummy one, its babel.toml changed by `edit`, as node type `type`.
    std::filesystem::path dummy_image_variant(const std::string& type, const std::function<std::string(std::string)>& edit) {
        const auto directory = images_.path() / type;
        std::filesystem::copy(test_image("dummy"), directory,
                              std::filesystem::copy_options::recursive | std::filesystem::copy_options::copy_symlinks);
        const auto config = std::regex_replace(read_file(directory / "babel.toml"), std::regex("node_type = \"sleeper\""),
                                               "node_type = \"" + type + "\"");
        write_file_atomically(directory / "babel.toml", edit(config));
        return directory;
    }

    std::string add_image(const std::filesystem::path& directory) {
        return json_field(admin({"image", "add", directory.string()}), "image.name");
    }

    // bv-api node create; returns the node id.
    std::string create_node(const std::string& host, const std::string& image, const std::string& name) {
        const auto created = admin({"node", "create", host, image, "--name", name});
        return json_field(created, "node.id");
    }

    // The command's record once completed (fails the test when it does not complete in time).
    std::string completed(const std::string& command_id, std::chrono::milliseconds timeout = 60s) {
        std::string record;
        const bool done = eventually(
            [&] {
                const auto commands = admin({"commands"});
                const auto list = json::parse(commands).as_object().at("commands").as_array();
                for (const auto& entry : list) {
                    if (entry.at("command").at("id").as_string() != command_id) continue;
                    record = json::serialize(entry);
                    return entry.at("state").as_string() == "COMMAND_STATE_COMPLETED";
                }
                return false;
            },
            timeout);
        EXPECT_TRUE(done) << "command " << command_id << " did not complete: " << record;
        return record;
    }

    std::string last_command_id() {
        const auto list = json::parse(admin({"commands"})).as_object().at("commands").as_array();
        return std::string(list.back().at("command").at("id").as_string());
    }

    // Runs a node command through bv-api and waits for its completion; returns its record.
    std::string command(std::vector<std::string> args) {
        std::vector<std::string> full{"node"};
        full.insert(full.end(), args.begin(), args.end());
        admin(full);
        return completed(last_command_id());
    }

    // The node's status as the control plane last heard it.
    std::string node_status_at_api(const std::string& node) {
        // Kept in a local: a range-for over a member of a temporary would read freed memory.
        const auto listed = json::parse(admin({"nodes", "--all"}));
        for (const auto& entry : listed.as_object().at("nodes").as_array()) {
            const auto& fields = entry.as_object();
            if (fields.at("id").as_string() == node && fields.contains("status")) return std::string(fields.at("status").as_string());
        }
        return "<none>";
    }

    bool node_status_at_api_becomes(const std::string& node, const std::string& status) {
        return eventually([&] { return node_status_at_api(node) == status; }, 20s);
    }

    std::string local_status(const std::string& node) { return host_.bv({"node", "status", node}).out; }

    TempDir images_{"bv-fleet-images"};
    ApiUnderTest api_{{"--heartbeat-ms", "300"}};
    HostUnderTest host_;
};

TEST_F(Fleet, ProvisionedHostRunsTheControlPlanesCommandsAndReportsEveryStatus) {
    const auto host = provision();
    EXPECT_FALSE(host.empty());
    EXPECT_EQ(std::filesystem::status(host_.root() / "etc/blockvisor/config.json").permissions() &
                  std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    EXPECT_TRUE(eventually([&] { return json_field(admin({"hosts"}), "hosts.0.status") == "HOST_STATUS_ONLINE"; }, 10s));

    // The image is not on the host: bvd downloads it from bv-api.
    const auto image = add_image(test_image("dummy"));
    admin({"node", "create", host, image, "--name", "fleet-1"});
    const auto create = completed(last_command_id());
    EXPECT_NE(create.find("\"success\":true"), std::string::npos) << create;
    const auto node = json_field(bv({"node", "info", "fleet-1", "--json"}), "id");
    EXPECT_EQ(json_field(admin({"nodes"}), "nodes.0.id"), node) << "the control plane's id is the node's";
    EXPECT_TRUE(node_status_at_api_becomes(node, "NODE_STATUS_STOPPED"));

    EXPECT_NE(command({"start", node}).find("NODE_STATUS_RUNNING"), std::string::npos);
    EXPECT_TRUE(local_status("fleet-1").starts_with("running")) << local_status("fleet-1");
    EXPECT_TRUE(node_status_at_api_becomes(node, "NODE_STATUS_RUNNING"));
    EXPECT_TRUE(bv({"node", "run", "fleet-1", "echo", "--param", "TEXT=through bv"}) == "through bv");

    command({"stop", node});
    EXPECT_TRUE(node_status_at_api_becomes(node, "NODE_STATUS_STOPPED"));
    command({"restart", node});
    EXPECT_TRUE(node_status_at_api_becomes(node, "NODE_STATUS_RUNNING"));
    command({"upgrade", node, image});
    command({"delete", node});
    EXPECT_TRUE(node_status_at_api_becomes(node, "NODE_STATUS_DELETED"));
    EXPECT_EQ(host_.bv({"node", "info", node}).exit_code, 1) << "deleted on the host";

    const auto status = json::parse(bv({"host", "status", "--json"})).as_object();
    EXPECT_GE(json::value_to<std::string>(status.at("commandsCompleted")), "6");
    // Every status the node went through reached the control plane in order: the one kept has
    // the highest sequence, and the last one was DELETED.
    EXPECT_EQ(node_status_at_api(node), "NODE_STATUS_DELETED");
}

TEST_F(Fleet, ACommandThatCannotRunCompletesWithAClearErrorAndBvdGoesOn) {
    const auto host = provision();
    const auto missing = dummy_image_variant("missing", [](std::string config) { return config; });
    const auto image = add_image(missing);
    // The archive goes: the host cannot download it.
    for (const auto& file : std::filesystem::recursive_directory_iterator(api_.data() / "files/images")) {
        if (file.is_regular_file()) std::filesystem::remove(file.path());
    }
    const auto node = create_node(host, image, "broken");
    const auto failed = completed(last_command_id());
    EXPECT_NE(failed.find("\"success\":false"), std::string::npos) << failed;
    // A node whose create failed does not exist: the control plane refuses to command it, and
    // says why.
    const auto start = api_.admin({"node", "start", node});
    EXPECT_EQ(start.exit_code, 1);
    EXPECT_NE(start.err.find("is deleted"), std::string::npos) << start.err;
    EXPECT_NE(admin({"nodes", "--all"}).find("create failed"), std::string::npos);
    EXPECT_EQ(bv({"status"}).substr(0, 15), "bvd is running:") << "bvd keeps going";
    EXPECT_EQ(host_.bv({"node", "info", "broken"}).exit_code, 1) << "no half node on the host";
}

TEST_F(Fleet, ProvisioningErrorsAreOneLineAndSaveNothing) {
    const auto config = host_.root() / "etc/blockvisor/config.json";
    const auto expect_refused = [&](const std::vector<std::string>& args, const std::string& says) {
        const auto result = host_.bv(args);
        EXPECT_EQ(result.exit_code, 1) << args.at(1);
        EXPECT_NE(result.err.find(says), std::string::npos) << result.err;
        EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
        EXPECT_EQ(read_file_if_exists(config).value_or("").find("hostId"), std::string::npos) << "nothing saved";
    };
    expect_refused({"init", "not-a-password", "--api", api_.url(), "--ca", api_.ca().string(), "--yes"},
                   "unknown one-time password");
    const auto expiring = api_.otp(1);
    std::this_thread::sleep_for(1500ms);  // the password's own lifetime: nothing to wait for but time
    expect_refused({"init", expiring, "--api", api_.url(), "--ca", api_.ca().string(), "--yes"}, "expired");
    expect_refused({"init", api_.otp(), "--api", api_.url(), "--yes"}, "--ca");  // the system's CAs do not know bv-api's
    expect_refused({"init", api_.otp(), "--api", "https://127.0.0.1:9", "--yes"}, "cannot connect");

    const auto used = api_.otp();
    bv({"init", used, "--api", api_.url(), "--ca", api_.ca().string(), "--yes"});
    const auto again = host_.bv({"init", api_.otp(), "--api", api_.url(), "--ca", api_.ca().string(), "--yes"});
    EXPECT_EQ(again.exit_code, 1);
    EXPECT_NE(again.err.find("provisioned already"), std::string::npos) << again.err;
    HostUnderTest other;
    const auto reused = other.bv({"init", used, "--api", api_.url(), "--ca", api_.ca().string(), "--yes"});
    EXPECT_EQ(reused.exit_code, 1);
    EXPECT_NE(reused.err.find("used"), std::string::npos) << reused.err;
}

TEST_F(Fleet, BvdStartedWithAOneTimePasswordProvisionsItself) {
    HostUnderTest scripted({"--otp", api_.otp(), "--api", api_.url(), "--ca", api_.ca().string()});
    EXPECT_TRUE(eventually(
        [&] { return json_field(scripted.bv({"host", "status", "--json"}).out, "connected") == "true"; }, 15s));
    // A refused password stops bvd, so that the provisioning script sees it.
    TempDir root("bv-refused");
    Process refused({binary("bvd"), "--root", root.path().string(), "--otp", "wrong", "--api", api_.url(), "--ca",
                     api_.ca().string()},
                    root.path());
    const auto ended = refused.wait(20s);
    ASSERT_TRUE(ended) << "bvd kept running after its password was refused";
    EXPECT_EQ(ended->exit_code, 1);
    EXPECT_NE(refused.err().find("provisioning with the one-time password failed"), std::string::npos) << refused.err();
}

TEST_F(Fleet, KeyExchangeSavesKeysTheNodeGeneratedAndUploadsKeysTheControlPlaneHas) {
    const auto host = provision();
    const auto generating = add_image(dummy_image_variant("keymaker", [](std::string config) {
        return config + R"(
[[methods]]
name = "generate_keys"
transport = "sh"
body = "mkdir -p /var/lib/dummy/keys && echo made-in-node > /var/lib/dummy/keys/validator.key"
)";
    }));
    const auto made = create_node(host, generating, "keymaker");
    completed(last_command_id());
    command({"start", made});
    const auto keys = admin({"keys", made});
    EXPECT_EQ(json_field(keys, "keys.0.name"), "validator.key") << keys;
    EXPECT_EQ(bv({"node", "keys", "keymaker"}).find("validator.key") != std::string::npos, true);

    // A node the control plane has keys for gets them, and generates none.
    const auto given = create_node(host, generating, "given");
    completed(last_command_id());
    blockvisor::api::v1::SaveKeysRequest save;
    save.set_node_id(given);
    auto* key = save.add_keys();
    key->set_name("validator.key");
    key->set_content("from-the-control-plane\n");
    const auto token = json::parse(read_file(host_.root() / "etc/blockvisor/config.json")).at("token").as_string();
    api_.call<blockvisor::api::v1::SaveKeysResponse>("blockvisor.api.v1.KeyService/Save", save, std::string(token));
    command({"start", given});
    const auto inside = bv({"node", "run", "given", "echo", "--param", "TEXT=x"});
    EXPECT_EQ(inside, "x");
    const auto node_keys = host_.bv({"node", "keys", "given", "--json"});
    EXPECT_NE(node_keys.out.find("validator.key"), std::string::npos) << node_keys.out;
    EXPECT_NE(node_keys.out.find(base64_of("from-the-control-plane\n")), std::string::npos)
        << "the node holds the control plane's key, not one of its own: " << node_keys.out;
    EXPECT_EQ(json_field(admin({"keys", given}), "keys.0.name"), "validator.key");
    EXPECT_EQ(json_field(admin({"keys", given}), "keys.1"), "<missing>") << "nothing generated";

    // An image without generate_keys and no keys at the control plane: nothing to exchange.
    const auto plain = create_node(host, add_image(test_image("dummy")), "plain");
    completed(last_command_id());
    EXPECT_NE(command({"start", plain}).find("\"success\":true"), std::string::npos);
}

TEST_F(Fleet, ControlPlaneKilledAndRestartedLosesNothingAndRunningNodesStayUntouched) {
    const auto host = provision();
    const auto node = create_node(host, add_image(test_image("dummy")), "steady");
    completed(last_command_id());
    command({"start", node});
    const auto pid = json_field(bv({"node", "info", "steady", "--json"}), "pid");

    api_.kill_hard();
    EXPECT_TRUE(eventually([&] { return cp_status("connected") == "false"; }, 10s));
    // Away: the local CLI works, and the node's changes wait on the host (latest wins).
    bv({"node", "stop", "steady"});
    bv({"node", "start", "steady"});
    bv({"node", "stop", "steady"});
    EXPECT_NE(cp_status("pendingStatusUpdates"), "0");

    api_.start({"--heartbeat-ms", "300"});
    EXPECT_TRUE(eventually([&] { return cp_status("connected") == "true"; }, 40s)) << bv({"host", "status"});
    EXPECT_TRUE(node_status_at_api_becomes(node, "NODE_STATUS_STOPPED")) << "the coalesced status arrived";
    EXPECT_GE(std::stoi(cp_status("connections")), 2);
    // A command issued while the host is down runs when it comes back.
    host_.daemon().signal(SIGTERM);
    host_.daemon().wait(15s);
    admin({"node", "start", node});
    const auto issued = last_command_id();
    host_.start_daemon();
    EXPECT_NE(completed(issued).find("\"success\":true"), std::string::npos);
    EXPECT_TRUE(local_status("steady").starts_with("running"));
    EXPECT_NE(json_field(bv({"node", "info", "steady", "--json"}), "pid"), pid) << "started again by the command";
}

TEST_F(Fleet, BvdKilledBetweenRunningACommandAndCompletingItDoesNotRunItAgain) {
    const auto host = provision();
    // An init that takes a while: the test can stop the control plane while the start runs.
    const auto slow = add_image(dummy_image_variant("slowinit", [](std::string config) {
        return config + R"(
[[methods]]
name = "init"
transport = "sh"
body = "sleep 3"
)";
    }));
    const auto node = create_node(host, slow, "slow");
    completed(last_command_id());
    admin({"node", "start", node});
    const auto start = last_command_id();
    // Once the key exchange (the start's one call to the control plane) is done, init runs for
    // 3 s: the control plane goes then (killed, so that no Complete can reach it), the start
    // ends and its result is journaled.
    const auto record_file = host_.root() / "var/lib/blockvisor/nodes" / node / "node.json";
    ASSERT_TRUE(eventually([&] { return read_file_if_exists(record_file).value_or("").find("\"keys_exchanged\": true") != std::string::npos; }, 20s))
        << read_file_if_exists(record_file).value_or("<no record>") << "\n" << local_status("slow");
    api_.kill_hard();
    ASSERT_TRUE(local_status("slow").starts_with("starting")) << "killed the control plane too late to test anything";
    const auto journal = host_.root() / "var/lib/blockvisor/commands";
    const auto entries = [&] {
        std::size_t count = 0;
        for ([[maybe_unused]] const auto& file : std::filesystem::directory_iterator(journal)) ++count;
        return count;
    };
    const auto before = entries();
    ASSERT_TRUE(eventually([&] { return entries() > before; }, 30s)) << "the start's result was not journaled";
    const auto babelsup = json_field(bv({"node", "info", "slow", "--json"}), "pid");
    host_.daemon().signal(SIGKILL);
    host_.daemon().wait(10s);
    // Both come back: the control plane delivers the start again, never having heard of its end.
    api_.start({"--heartbeat-ms", "300"});
    host_.start_daemon();
    const auto record = completed(start);
    EXPECT_NE(record.find("\"success\":true"), std::string::npos) << record;
    EXPECT_NE(host_.daemon().err().find("it ran already"), std::string::npos) << host_.daemon().err();
    EXPECT_EQ(json_field(bv({"node", "info", "slow", "--json"}), "pid"), babelsup) << "the node was not started again";
}

TEST_F(Fleet, ASilentStreamIsNoticedWithinTheHeartbeatBound) {
    provision();
    api_.server().signal(SIGSTOP);  // the socket stays open, nothing comes any more
    EXPECT_TRUE(eventually([&] { return cp_status("connected") == "false"; }, 5s)) << bv({"host", "status"});
    EXPECT_NE(cp_status("lastError").find("silent"), std::string::npos) << bv({"host", "status"});
    api_.server().signal(SIGCONT);
    EXPECT_TRUE(eventually([&] { return cp_status("connected") == "true"; }, 40s));
}

TEST_F(Fleet, TokensAreRefreshedAndARevokedHostSaysWhatToDo) {
    ApiUnderTest short_lived({"--heartbeat-ms", "300", "--token-ttl-seconds", "2"});
    bv({"init", short_lived.otp(), "--api", short_lived.url(), "--ca", short_lived.ca().string(), "--yes"});
    ASSERT_TRUE(eventually([&] { return cp_status("connected") == "true"; }, 15s));
    const auto first = json::parse(read_file(host_.root() / "etc/blockvisor/config.json")).at("token").as_string();
    const auto host = cp_status("hostId");
    // Past the token's life the host still works: its calls refresh it.
    std::this_thread::sleep_for(2500ms);  // the token's own lifetime
    const auto image = short_lived.admin({"image", "add", test_image("dummy").string(), "--json"});
    short_lived.admin({"node", "create", host, json_field(image.out, "image.name"), "--name", "after-expiry"});
    EXPECT_TRUE(eventually([&] { return short_lived.admin({"commands"}).out.find("completed") != std::string::npos; }, 20s));
    const auto second = json::parse(read_file(host_.root() / "etc/blockvisor/config.json")).at("token").as_string();
    EXPECT_NE(first, second) << "the access token was refreshed and saved";

    short_lived.admin({"host", "revoke", host});
    EXPECT_TRUE(eventually([&] { return cp_status("lastError").find("bv init") != std::string::npos; }, 20s))
        << bv({"host", "status"});
    EXPECT_EQ(cp_status("connected"), "false");
}

}  // namespace
}  // namespace bv::test
