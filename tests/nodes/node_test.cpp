// Nodes end to end, as an operator drives them: the real bvd on a temporary root, the bv CLI,
// the sandbox backend, and a real litecoind inside the node.
//
// These tests run one at a time (ctest RESOURCE_LOCK): the litecoin image listens on
// 127.0.0.1:19443 in host network mode.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <algorithm>
#include <functional>
#include <regex>
#include <thread>

#include "common/files.hpp"
#include "support/host_under_test.hpp"
#include "support/process.hpp"
#include "support/test_images.hpp"

namespace bv::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

std::string trimmed(std::string text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    return text;
}

// Children of `parent` that exited and were not reaped.
long zombie_children_of(pid_t parent) {
    return std::ranges::count_if(all_processes(), [&](const ProcessEntry& process) {
        return process.parent == parent && process.state == 'Z';
    });
}

class NodeHost : public ::testing::Test {
protected:
    std::string bv(std::vector<std::string> args) { return host_.bv_ok(std::move(args)); }

    json::object node_info(const std::string& node) { return json::parse(bv({"node", "info", node, "--json"})).as_object(); }

    std::string status_of(const std::string& node) { return host_.bv({"node", "status", node}).out; }

    void import(const std::string& image, const std::string& version = {}) {
        bv({"image", "import", test_image(image, version).string(), "--replace"});
    }

    std::string litecoin_image() {
        import("litecoin");
        return "litecoin/regtest/" + std::string(json::parse(bv({"image", "list", "--json"}))
                                                     .at("images").as_array().at(0).at("name").as_string())
                                         .substr(std::string("litecoin/regtest/").size());
    }

    std::filesystem::path node_dir(const std::string& id) const { return host_.root() / "var/lib/blockvisor/nodes" / id; }
    std::filesystem::path node_root(const std::string& id) const { return node_dir(id) / "rootfs/root"; }

    // How many processes of the node run `command`.
    long count_in(const std::string& id, const std::string& command) {
        const auto processes = processes_in(node_root(id));
        return std::ranges::count_if(processes, [&](const auto& process) { return process.command == command; });
    }

    // A dummy node started, then bvd killed while it runs.
    struct LeftRunning {
        std::string id;
        int sandbox = 0;  // its PID 1
    };
    LeftRunning start_dummy_and_kill_bvd(const std::string& name) {
        import("dummy");
        bv({"node", "create", "dummy/sleeper/1.0.0", "--name", name});
        bv({"node", "start", name});
        LeftRunning left{json::value_to<std::string>(node_info(name).at("id")), json::value_to<int>(node_info(name).at("pid"))};
        host_.daemon().signal(SIGKILL);
        host_.daemon().wait(10s);
        return left;
    }

    int host_pid_of(const std::string& id, const std::string& command) {
        for (const auto& process : processes_in(node_root(id))) {
            if (process.command == command) return process.pid;
        }
        return 0;
    }

    // Imports a copy of the dummy image as dummy/<node_type>/1.0.0, its babel.toml changed
    // by `edit`; returns the image's name.
    std::string dummy_variant(const std::string& node_type, const std::function<std::string(const std::string&)>& edit) {
        const auto source = host_.root() / ("image-" + node_type);
        std::filesystem::copy(test_image("dummy"), source,
                              std::filesystem::copy_options::recursive | std::filesystem::copy_options::copy_symlinks);
        const auto config = std::regex_replace(read_file(source / "babel.toml"), std::regex("node_type = \"sleeper\""),
                                               "node_type = \"" + node_type + "\"");
        write_file_atomically(source / "babel.toml", edit(config));
        bv({"image", "import", source.string()});
        return "dummy/" + node_type + "/1.0.0";
    }

    // A node whose entry point ignores SIGTERM: stopping it takes its 4 s stop timeout.
    std::string started_stubborn_node(const std::string& name) {
        const auto image = dummy_variant("stubborn", [](std::string config) {
            config = std::regex_replace(config, std::regex("stop_timeout_ms = 2000"), "stop_timeout_ms = 4000");
            return std::regex_replace(config, std::regex("\"echo dummy started;"), "\"trap '' TERM; echo started;");
        });
        bv({"node", "create", image, "--name", name});
        bv({"node", "start", name});
        return json::value_to<std::string>(node_info(name).at("id"));
    }

    // Runs `bv node OPERATION NODE`, kills bvd once the node's status shows `status`, and
    // starts bvd again.
    void kill_bvd_during(const std::vector<std::string>& operation, const std::string& status) {
        const auto& node = operation.at(1);
        std::vector<std::string> argv{binary("bv"), "--root", host_.root().string(), "node"};
        argv.insert(argv.end(), operation.begin(), operation.end());
        Process running(argv, host_.root());
        ASSERT_TRUE(eventually([&] { return status_of(node).starts_with(status); }, 10s)) << status_of(node);
        host_.daemon().signal(SIGKILL);
        host_.daemon().wait(10s);
        running.wait(10s);
        host_.start_daemon();
    }

    bool height_answers(const std::string& node) { return host_.bv({"node", "run", node, "height"}).exit_code == 0; }

    HostUnderTest host_;
};

TEST_F(NodeHost, LitecoinNodeLivesItsWholeLifeThroughTheCli) {
    const auto image = litecoin_image();
    const auto id = json::value_to<std::string>(json::parse(bv({"node", "create", image, "--name", "ltc", "--json"})).at("id"));
    EXPECT_EQ(trimmed(status_of("ltc")), "stopped");
    bv({"node", "start", "ltc"});
    EXPECT_EQ(trimmed(status_of(id)), "running");
    // init mined one block.
    EXPECT_EQ(bv({"node", "run", "ltc", "height"}), "1");
    EXPECT_EQ(bv({"node", "run", id, "generate_blocks", "--param", "COUNT=5"}), "6");
    EXPECT_EQ(bv({"node", "run", "ltc", "sync_status"}), "synced");
    const auto metrics = json::parse(bv({"node", "metrics", "ltc", "--json"}));
    EXPECT_EQ(metrics.at("values").at("height").as_string(), "6");
    EXPECT_NE(bv({"node", "logs", "ltc", "--lines", "200"}).find("litecoind: "), std::string::npos);
    EXPECT_NE(bv({"node", "capabilities", "ltc"}).find("generate_blocks"), std::string::npos);
    const auto list = bv({"node", "list"});
    EXPECT_NE(list.find("ltc"), std::string::npos);
    EXPECT_NE(list.find("running"), std::string::npos);

    // Stopped gracefully and started again: the chain kept its blocks.
    bv({"node", "stop", "ltc"});
    EXPECT_EQ(trimmed(status_of("ltc")), "stopped");
    EXPECT_TRUE(processes_in(node_root(id)).empty());
    bv({"node", "start", "ltc"});
    ASSERT_TRUE(eventually([&] { return height_answers("ltc"); }, 30s));
    EXPECT_EQ(bv({"node", "run", "ltc", "height"}), "6");

    // Upgraded to another version of the image: data kept, running again.
    import("litecoin", "0.21.2.99");
    bv({"node", "upgrade", "ltc", "litecoin/regtest/0.21.2.99"});
    EXPECT_EQ(json::value_to<std::string>(node_info("ltc").at("image").at("version")), "0.21.2.99");
    EXPECT_EQ(trimmed(status_of("ltc")), "running");
    ASSERT_TRUE(eventually([&] { return height_answers("ltc"); }, 30s));
    EXPECT_EQ(bv({"node", "run", "ltc", "height"}), "6");

    // Deleted: nothing left on disk, no process left.
    const int babelsup = host_pid_of(id, "babelsup");
    EXPECT_GT(babelsup, 0);
    bv({"node", "delete", "ltc"});
    EXPECT_FALSE(std::filesystem::exists(node_dir(id)));
    EXPECT_TRUE(std::filesystem::is_empty(host_.root() / "var/lib/blockvisor/nodes"));
    EXPECT_NE(::kill(babelsup, 0), 0);
    EXPECT_EQ(host_.bv({"node", "start", "ltc"}).exit_code, 1);
}

TEST_F(NodeHost, FollowedLogsShowNewLinesAsTheyCome) {
    const auto image = litecoin_image();
    bv({"node", "create", image, "--name", "talker"});
    bv({"node", "start", "talker"});
    Process follow({binary("bv"), "--root", host_.root().string(), "node", "logs", "talker", "--follow", "--lines", "1"},
                   host_.root());
    ASSERT_TRUE(eventually([&] { return !follow.out().empty(); }, 10s));
    EXPECT_EQ(follow.out().find("height=3 "), std::string::npos);
    bv({"node", "run", "talker", "generate_blocks", "--param", "COUNT=2"});
    // litecoind logs each new tip; the open stream delivers it.
    EXPECT_TRUE(eventually([&] { return follow.out().find("height=3 ") != std::string::npos; }, 10s)) << follow.out();
    follow.signal(SIGINT);
    const auto ended = follow.wait(10s);
    ASSERT_TRUE(ended);
    EXPECT_EQ(ended->exit_code, 0);
}

TEST_F(NodeHost, StartFinishesWhenTheCallerStopsWaiting) {
    const auto image = litecoin_image();
    bv({"node", "create", image, "--name", "patient"});
    // A deadline far shorter than a start (init mines a block once litecoind answers).
    const auto impatient = host_.curl("/blockvisor.v1.NodeService/Start", "application/json", R"({"node":"patient"})",
                                      {"-H", "Connect-Timeout-Ms: 20"});
    EXPECT_NE(impatient.out.find("deadline_exceeded"), std::string::npos) << impatient.out;
    EXPECT_TRUE(eventually([&] { return trimmed(status_of("patient")) == "running"; }, 30s)) << status_of("patient");
    EXPECT_EQ(bv({"node", "run", "patient", "height"}), "1");
}

// Init is called only for an image that has one: babel's flag (remembering that init ran)
// appears for the litecoin node and not for the dummy one, which has no init.
TEST_F(NodeHost, InitIsCalledOnlyForAnImageThatHasOne) {
    const auto litecoin = litecoin_image();  // first: it reads the image list's first entry
    import("dummy");
    bv({"node", "create", "dummy/sleeper/1.0.0", "--name", "plain"});
    bv({"node", "start", "plain"});
    const auto plain = json::value_to<std::string>(node_info("plain").at("id"));
    EXPECT_FALSE(std::filesystem::exists(node_dir(plain) / "state/init.done"));
    bv({"node", "create", litecoin, "--name", "initialised"});
    bv({"node", "start", "initialised"});
    const auto initialised = json::value_to<std::string>(node_info("initialised").at("id"));
    EXPECT_TRUE(std::filesystem::exists(node_dir(initialised) / "state/init.done"));
}

TEST_F(NodeHost, ImageInUseCannotBeReplaced) {
    import("dummy");
    bv({"node", "create", "dummy/sleeper/1.0.0", "--name", "tenant"});
    const auto replace = host_.bv({"image", "import", test_image("dummy").string(), "--replace"});
    EXPECT_EQ(replace.exit_code, 1);
    EXPECT_NE(replace.err.find("in use"), std::string::npos) << replace.err;
    bv({"node", "delete", "tenant"});
    bv({"image", "import", test_image("dummy").string(), "--replace"});
}

TEST_F(NodeHost, KilledChainIsRestartedInsideTheNode) {
    const auto image = litecoin_image();
    bv({"node", "create", image, "--name", "chain"});
    bv({"node", "start", "chain"});
    const auto id = json::value_to<std::string>(node_info("chain").at("id"));
    const int chain = host_pid_of(id, "litecoind");
    ASSERT_GT(chain, 0);
    ::kill(chain, SIGKILL);
    EXPECT_TRUE(eventually([&] {
        const int now = host_pid_of(id, "litecoind");
        return now > 0 && now != chain;
    }, 10s));
    EXPECT_TRUE(eventually([&] { return height_answers("chain"); }, 30s));
    EXPECT_EQ(json::value_to<std::int64_t>(node_info("chain").at("entryPoints").at(0).at("restarts")), 1);
}

TEST_F(NodeHost, KilledBabelIsRestartedAndAnswersAgain) {
    const auto image = litecoin_image();
    bv({"node", "create", image, "--name", "agent"});
    bv({"node", "start", "agent"});
    const auto id = json::value_to<std::string>(node_info("agent").at("id"));
    const int babel = host_pid_of(id, "babel");
    ASSERT_GT(babel, 0);
    ::kill(babel, SIGKILL);
    EXPECT_TRUE(eventually([&] {
        const int now = host_pid_of(id, "babel");
        return now > 0 && now != babel && height_answers("agent");
    }, 20s));
}

TEST_F(NodeHost, KilledSandboxIsRecoveredAndReported) {
    const auto image = litecoin_image();
    bv({"node", "create", image, "--name", "phoenix"});
    bv({"node", "start", "phoenix"});
    Process watch({binary("bv"), "--root", host_.root().string(), "node", "watch", "phoenix"}, host_.root());
    const int sandbox = json::value_to<int>(node_info("phoenix").at("pid"));
    ASSERT_GT(sandbox, 0);
    ::kill(sandbox, SIGKILL);
    EXPECT_TRUE(eventually([&] {
        const auto info = node_info("phoenix");
        return json::value_to<std::string>(info.at("status")) == "NODE_STATUS_RUNNING" &&
               json::value_to<int>(info.at("pid")) != sandbox;
    }, 30s));
    EXPECT_TRUE(eventually([&] { return height_answers("phoenix"); }, 30s));
    // The watcher saw it fail and come back.
    EXPECT_TRUE(eventually([&] {
        const auto events = watch.out();
        return events.find("failed") != std::string::npos && events.find("running") != std::string::npos;
    }, 10s)) << watch.out();
}

TEST_F(NodeHost, RestartedBvdFindsItsRunningNodesUntouched) {
    const auto image = litecoin_image();
    bv({"node", "create", image, "--name", "survivor"});
    bv({"node", "start", "survivor"});
    bv({"node", "run", "survivor", "generate_blocks", "--param", "COUNT=2"});
    const int sandbox = json::value_to<int>(node_info("survivor").at("pid"));
    host_.daemon().signal(SIGKILL);
    host_.daemon().wait(10s);
    EXPECT_EQ(::kill(sandbox, 0), 0) << "the node died with bvd";
    host_.start_daemon();
    const auto info = node_info("survivor");
    EXPECT_EQ(json::value_to<int>(info.at("pid")), sandbox);
    EXPECT_EQ(json::value_to<std::string>(info.at("status")), "NODE_STATUS_RUNNING");
    EXPECT_EQ(bv({"node", "run", "survivor", "height"}), "3");
    EXPECT_NE(bv({"node", "list", "--running"}).find("survivor"), std::string::npos);
}

TEST_F(NodeHost, BvdKilledDuringAStartLeavesOneNodeThatRecovers) {
    const auto image = litecoin_image();
    bv({"node", "create", image, "--name", "interrupted"});
    const auto id = json::value_to<std::string>(node_info("interrupted").at("id"));
    Process start({binary("bv"), "--root", host_.root().string(), "node", "start", "interrupted"}, host_.root());
    // The sandbox runs, the start sequence is still going (babel, setup, init).
    ASSERT_TRUE(eventually([&] {
        const auto processes = processes_in(node_root(id));
        return std::any_of(processes.begin(), processes.end(), [](const auto& p) { return p.command == "babelsup"; });
    }, 20s));
    host_.daemon().signal(SIGKILL);
    host_.daemon().wait(10s);
    start.wait(10s);
    host_.start_daemon();
    // The half-started sandbox is stopped and the node started again, once: one babelsup,
    // one chain, answering.
    ASSERT_TRUE(eventually([&] { return trimmed(status_of("interrupted")) == "running" && height_answers("interrupted"); }, 60s))
        << status_of("interrupted");
    EXPECT_EQ(count_in(id, "babelsup"), 1);
    EXPECT_EQ(count_in(id, "litecoind"), 1);
}

// bvd records a start in progress (starting.json) until the record takes the start's end. A
// bvd killed between the two finds both naming the same machine: the start was whole.
TEST_F(NodeHost, AStartInProgressThatTheRecordHasAlreadyTakenLeavesTheNodeRunning) {
    const auto left = start_dummy_and_kill_bvd("whole");
    const auto& id = left.id;
    const int sandbox = left.sandbox;
    const auto record = json::parse(read_file(node_dir(id) / "node.json"));
    write_file_atomically(node_dir(id) / "starting.json", json::serialize(record.at("machine")));
    host_.start_daemon();
    EXPECT_EQ(trimmed(status_of("whole")), "running");
    EXPECT_EQ(json::value_to<int>(node_info("whole").at("pid")), sandbox) << "the node was started again";
    EXPECT_FALSE(std::filesystem::exists(node_dir(id) / "starting.json"));
}

// bvd killed after its sandbox was exec'ed and before it wrote where it runs (starting.json):
// the record from before the start, and a sandbox that no file names. A running machine
// means no power loss came since: the start was asked for, as with a start file, and
// recovery makes it again.
TEST_F(NodeHost, ASandboxBvdDiedBeforeRecordingIsStoppedAndTheNodeStartedAgain) {
    const auto left = start_dummy_and_kill_bvd("unrecorded");
    const auto& id = left.id;
    const int sandbox = left.sandbox;
    auto record = json::parse(read_file(node_dir(id) / "node.json")).as_object();
    ASSERT_TRUE(record.erase("machine"));
    record["desired"] = "NODE_STATUS_STOPPED";
    write_file_atomically(node_dir(id) / "node.json", json::serialize(record));
    host_.start_daemon();
    EXPECT_TRUE(eventually([&] {
        return trimmed(status_of("unrecorded")) == "running" && json::value_to<int>(node_info("unrecorded").at("pid")) != sandbox;
    }, 30s)) << status_of("unrecorded");
    EXPECT_FALSE(std::filesystem::exists("/proc/" + std::to_string(sandbox) + "/root")) << "the unrecorded sandbox runs on";
    EXPECT_EQ(count_in(id, "babelsup"), 1);
}

// After a power loss, a start in progress names a machine that is gone (or the file is torn:
// it is not synced). The start never ended, so the record from before it stands: the node
// stays stopped.
TEST_F(NodeHost, AStartInProgressWhoseMachineIsGoneLeavesTheNodeAsItWas) {
    import("dummy");
    for (const auto& [name, content] : std::vector<std::pair<std::string, std::string>>{
             {"gone", R"({"pid": 999999, "start_time": "12"})"}, {"torn", "{\"pid\": 12"}}) {
        bv({"node", "create", "dummy/sleeper/1.0.0", "--name", name});
        write_file_atomically(node_dir(json::value_to<std::string>(node_info(name).at("id"))) / "starting.json", content);
    }
    host_.daemon().signal(SIGKILL);
    host_.daemon().wait(10s);
    host_.start_daemon();
    // Past a recovery round (every second), which would start a node that should run.
    std::this_thread::sleep_for(1500ms);
    for (const auto* name : {"gone", "torn"}) {
        const auto info = node_info(name);
        EXPECT_EQ(json::value_to<std::string>(info.at("status")), "NODE_STATUS_STOPPED") << name;
        EXPECT_EQ(json::value_to<std::string>(info.at("desired")), "NODE_STATUS_STOPPED") << name;
        EXPECT_FALSE(std::filesystem::exists(node_dir(json::value_to<std::string>(info.at("id"))) / "starting.json")) << name;
    }
}

// bvd killed while a restart has the node stopping: the node was wanted running, and once
// its old sandbox is gone it is started again (it used to stay stopped for good).
TEST_F(NodeHost, BvdKilledDuringARestartBringsTheNodeBackUp) {
    const auto id = started_stubborn_node("restarting");
    const int sandbox = json::value_to<int>(node_info("restarting").at("pid"));
    kill_bvd_during({"restart", "restarting"}, "stopping");
    ASSERT_TRUE(eventually([&] { return ::kill(sandbox, 0) != 0; }, 30s)) << "the old sandbox never stopped";
    EXPECT_TRUE(eventually([&] { return trimmed(status_of("restarting")) == "running"; }, 30s)) << status_of("restarting");
    EXPECT_NE(json::value_to<int>(node_info("restarting").at("pid")), sandbox);
    EXPECT_NE(host_pid_of(id, "babelsup"), 0);
}

// bvd killed while a delete has the node stopping: the node must not come back to life.
TEST_F(NodeHost, BvdKilledDuringADeleteDoesNotStartTheNodeAgain) {
    const auto id = started_stubborn_node("deleting");
    const int sandbox = json::value_to<int>(node_info("deleting").at("pid"));
    kill_bvd_during({"delete", "deleting"}, "deleting");
    ASSERT_TRUE(eventually([&] { return ::kill(sandbox, 0) != 0; }, 30s)) << "the old sandbox never stopped";
    // Recovery ticks every second: three seconds would see it start the node.
    std::this_thread::sleep_for(3s);
    EXPECT_EQ(trimmed(status_of("deleting")), "stopped");
    EXPECT_EQ(host_pid_of(id, "babelsup"), 0) << "the node runs again";
    bv({"node", "delete", "deleting"});
}

// A start holds its node through init (up to 30 min): a forced stop and a delete end it
// instead of waiting for it.
TEST_F(NodeHost, ForcedStopAndDeleteEndAStartInProgress) {
    const auto image = dummy_variant("slow-init", [](std::string config) {
        return config + "\n[[methods]]\nname = \"init\"\ntransport = \"sh\"\n"
                        "body = \"touch /var/lib/dummy/init-started; sleep 120\"\n";
    });
    for (const std::string ending : {"stop", "delete"}) {
        SCOPED_TRACE(ending);
        const auto id = json::value_to<std::string>(json::parse(bv({"node", "create", image, "--name", "slow", "--json"})).at("id"));
        Process start({binary("bv"), "--root", host_.root().string(), "node", "start", "slow"}, host_.root());
        ASSERT_TRUE(eventually([&] { return std::filesystem::exists(node_dir(id) / "data/init-started"); }, 20s))
            << "init never began: " << status_of("slow");
        std::vector<std::string> argv{binary("bv"), "--root", host_.root().string(), "node", ending, "slow"};
        if (ending == "stop") argv.push_back("--force");
        Process ending_it(argv, host_.root());
        const auto ended = ending_it.wait(30s);
        ASSERT_TRUE(ended) << "bv node " << ending << " waited for the start";
        EXPECT_EQ(ended->exit_code, 0) << ended->err;
        const auto started = start.wait(30s);
        ASSERT_TRUE(started);
        EXPECT_EQ(started->exit_code, 1) << "the start should report that it did not finish";
        EXPECT_NE(started->err.find("its start was ended by a " + std::string(ending == "stop" ? "forced stop" : "delete")),
                  std::string::npos)
            << started->err;
        EXPECT_EQ(host_pid_of(id, "babelsup"), 0) << "the node still runs";
        if (ending == "stop") {
            EXPECT_EQ(trimmed(status_of("slow")), "stopped");
            bv({"node", "delete", "slow"});
        }
        EXPECT_FALSE(std::filesystem::exists(node_dir(id)));
    }
}

// An image whose babel.toml, like many of the original system's, leaves methods unfinished:
// the node starts (its empty init is skipped) and only those methods fail, clearly.
TEST_F(NodeHost, NodeWithUnfinishedMethodsStartsAndOnlyThoseFail) {
    const auto image = dummy_variant("unfinished", [](std::string config) {
        return config + R"(
[[methods]]
name = "init"
transport = "sh"
body = "" # find

[[methods]]
name = "address"
transport = "sh"
body = "echo {\"id\": 7}"

    [methods.response]
    status = 0
    field = "" # find
    format = "raw"
)";
    });
    bv({"node", "create", image, "--name", "unfinished"});
    bv({"node", "start", "unfinished"});
    EXPECT_EQ(trimmed(status_of("unfinished")), "running");
    EXPECT_EQ(bv({"node", "run", "unfinished", "echo", "--param", "TEXT=works"}), "works");
    const auto address = host_.bv({"node", "run", "unfinished", "address"});
    EXPECT_EQ(address.exit_code, 1);
    EXPECT_NE(address.err.find("method 'address' is not finished in the node's config: its response field is empty"),
              std::string::npos)
        << address.err;
    bv({"node", "delete", "unfinished"});
}

// What an import cut short leaves in the cache (a partial copy, or the replaced image) and
// what a node record write cut short leaves beside the record go when bvd starts again.
TEST_F(NodeHost, LeftoversOfCutShortWritesAreRemovedAtTheNextStart) {
    import("dummy");
    const auto id = json::value_to<std::string>(
        json::parse(bv({"node", "create", "dummy/sleeper/1.0.0", "--name", "kept", "--json"})).at("id"));
    const auto half_record = node_dir(id) / ".node.json.Ab12Cd";
    write_file_atomically(half_record, "{\"id\":");
    const auto import_leftover = host_.root() / "var/lib/blockvisor/images/.importing-00000000-0000-4000-8000-000000000000";
    std::filesystem::create_directories(import_leftover / "rootfs/bin");
    write_file_atomically(import_leftover / "babel.toml", "[config]\n");
    host_.daemon().signal(SIGKILL);
    host_.daemon().wait(10s);
    host_.start_daemon();
    EXPECT_EQ(trimmed(status_of("kept")), "stopped");
    EXPECT_FALSE(std::filesystem::exists(import_leftover));
    EXPECT_FALSE(std::filesystem::exists(half_record));
    EXPECT_TRUE(std::filesystem::exists(node_dir(id) / "node.json"));
    EXPECT_NE(bv({"image", "list"}).find("dummy/sleeper"), std::string::npos);
}

TEST_F(NodeHost, BvdKilledDuringCreatesLeavesNoHalfNode) {
    import("dummy");
    // Creates back to back, and bvd killed among them: at that moment one create is most
    // likely half way (its directory is being built). Whatever the point, a restarted bvd
    // shows whole nodes only, and nothing else is on disk.
    Process creating({"sh", "-c",
                      "for i in $(seq 200); do " + binary("bv") + " --root " + host_.root().string() +
                          " node create dummy/sleeper/1.0.0 >/dev/null 2>&1; done"},
                     host_.root());
    ASSERT_TRUE(eventually([&] {
        const auto log = host_.daemon().err();
        std::size_t count = 0;
        for (auto at = log.find(": creating"); at != std::string::npos; at = log.find(": creating", at + 1)) ++count;
        return count >= 10;
    }, 30s));
    host_.daemon().signal(SIGKILL);
    host_.daemon().wait(10s);
    creating.signal(SIGKILL);
    creating.wait(10s);
    // Exactly what a crash inside the directory build leaves, in case the kill missed it.
    std::filesystem::create_directories(host_.root() /
                                        "var/lib/blockvisor/nodes/.creating-00000000-0000-4000-8000-000000000000/state");
    host_.start_daemon();
    const auto nodes = json::parse(bv({"node", "list", "--json"})).at("nodes").as_array();
    std::size_t on_disk = 0;
    for (const auto& entry : std::filesystem::directory_iterator(host_.root() / "var/lib/blockvisor/nodes")) {
        EXPECT_FALSE(entry.path().filename().string().starts_with(".")) << entry.path();
        EXPECT_TRUE(std::filesystem::exists(entry.path() / "node.json")) << entry.path();
        ++on_disk;
    }
    EXPECT_GE(nodes.size(), 9u);
    EXPECT_EQ(nodes.size(), on_disk);
    for (const auto& node : nodes) EXPECT_EQ(json::value_to<std::string>(node.at("status")), "NODE_STATUS_STOPPED");
}

TEST_F(NodeHost, TwentyNodesStartConcurrently) {
    import("dummy");
    constexpr int kNodes = 20;
    std::vector<std::unique_ptr<Process>> creating;
    for (int i = 0; i < kNodes; ++i) {
        creating.push_back(std::make_unique<Process>(
            std::vector<std::string>{binary("bv"), "--root", host_.root().string(), "node", "create", "dummy/sleeper/1.0.0",
                                     "--name", "dummy-" + std::to_string(i)},
            host_.root()));
    }
    for (auto& process : creating) EXPECT_EQ(process->wait(60s).value_or(ProcessResult{}).exit_code, 0) << process->err();
    std::vector<std::unique_ptr<Process>> starting;
    for (int i = 0; i < kNodes; ++i) {
        starting.push_back(std::make_unique<Process>(
            std::vector<std::string>{binary("bv"), "--root", host_.root().string(), "node", "start", "dummy-" + std::to_string(i)},
            host_.root()));
    }
    for (auto& process : starting) EXPECT_EQ(process->wait(120s).value_or(ProcessResult{}).exit_code, 0) << process->err();
    const auto running = json::parse(bv({"node", "list", "--running", "--json"})).at("nodes").as_array();
    EXPECT_EQ(running.size(), static_cast<std::size_t>(kNodes));
    EXPECT_EQ(bv({"node", "run", "dummy-7", "echo", "--param", "TEXT=hello"}), "hello");
    bv({"node", "stop"});
    EXPECT_TRUE(json::parse(bv({"node", "list", "--running", "--json"})).at("nodes").as_array().empty());
}

TEST_F(NodeHost, OrphansInsideTheNodeAreReaped) {
    // An image whose method leaves an orphan behind: re-parented to babelsup, PID 1 of the
    // node, which must reap it when it exits.
    const auto image = dummy_variant("orphans", [](std::string config) {
        return config + "\n[[methods]]\nname = \"orphan\"\ntransport = \"sh\"\nbody = \"(sleep 0.2 &); echo left\"\n";
    });
    bv({"node", "create", image, "--name", "parent"});
    bv({"node", "start", "parent"});
    const auto id = json::value_to<std::string>(node_info("parent").at("id"));
    // Each run returns once its orphan has exited (the orphan holds the method's output
    // until then); unreaped, they would stay as zombies.
    for (int i = 0; i < 5; ++i) EXPECT_EQ(bv({"node", "run", "parent", "orphan"}), "left");
    // Zombies have no root directory any more: look for them among babelsup's children.
    const int babelsup = json::value_to<int>(node_info("parent").at("pid"));
    EXPECT_TRUE(eventually([&] { return zombie_children_of(babelsup) == 0; }, 10s))
        << zombie_children_of(babelsup) << " zombies stay in the node";
}

TEST_F(NodeHost, ANodeSeesNeitherBvdsSocketNorAnotherNodesChannel) {
    // Every Unix socket a node's own programs can see, from inside it.
    const auto image = dummy_variant("prober", [](std::string config) {
        return config + "\n[[methods]]\nname = \"sockets\"\ntransport = \"sh\"\n"
                        "body = \"find / -xdev -type s 2>/dev/null; find /run /var /tmp -type s 2>/dev/null; echo end\"\n"
                        "\n[[methods]]\nname = \"exists\"\ntransport = \"sh\"\n"
                        "body = \"test -e {{PATH}} && echo present || echo absent\"\n";
    });
    bv({"node", "create", image, "--name", "first"});
    bv({"node", "create", image, "--name", "second"});
    bv({"node", "start", "first"});
    bv({"node", "start", "second"});
    const auto seen = bv({"node", "run", "first", "sockets"});
    EXPECT_TRUE(seen.ends_with("end")) << seen;
    EXPECT_NE(seen.find(".sock"), std::string::npos) << "the probe sees the node's own channel: " << seen;
    EXPECT_EQ(seen.find("bvd.sock"), std::string::npos) << "bvd's socket is reachable from a node:\n" << seen;
    const auto second = json::value_to<std::string>(node_info("second").at("id"));
    EXPECT_EQ(seen.find(second), std::string::npos) << "the other node's channel is reachable:\n" << seen;
    // bvd's socket by its path on the host: not there inside the node.
    EXPECT_EQ(bv({"node", "run", "first", "exists", "--param", "PATH=" + host_.socket().string()}), "absent");
    EXPECT_EQ(bv({"node", "run", "first", "exists", "--param", "PATH=/bin/sh"}), "present") << "the probe works";
}

// The start sequence with a failure injected at each step it can fail in: the node ends
// `failed` with the step named, nothing of it keeps running, and it can be deleted.
TEST_F(NodeHost, StartFailingAtEachStepLeavesACleanFailedNode) {
    using Hook = std::function<void(const std::filesystem::path&)>;
    using ConfigEdit = std::function<std::string(const std::string&)>;
    struct Fault {
        std::string step;       // as the error names it
        std::string variant;    // node_type of the broken image
        ConfigEdit break_config;  // on the image's babel.toml, before import
        Hook break_node;        // after create, on the image in the cache
        Hook break_node_dir;    // after create, on the node's directory
    };
    const ConfigEdit unchanged = [](const std::string& config) { return config; };
    const Hook nothing = [](const std::filesystem::path&) {};
    const std::vector<Fault> faults{
        {"starting the machine", "no-rootfs", unchanged,
         [](const auto& cached) { std::filesystem::remove_all(cached / "rootfs"); }, nothing},
        {"setting up the node", "future",
         [](const std::string& config) {
             return std::regex_replace(config, std::regex("babel_version = \"[^\"]*\""), "babel_version = \"99.0.0\"");
         },
         nothing, nothing},
        {"uploading keys", "bad-keys", unchanged, nothing,
         [](const auto& node_dir) {
             std::filesystem::create_directories(node_dir / "keys");
             write_file_atomically(node_dir / "keys" / "a..b", "x");
         }},
        {"running init", "bad-init",
         [](const std::string& config) {
             return config + "\n[[methods]]\nname = \"init\"\ntransport = \"sh\"\nbody = \"echo genesis failed >&2; exit 7\"\n";
         },
         nothing, nothing},
    };
    for (const auto& fault : faults) {
        SCOPED_TRACE(fault.step);
        const auto image = dummy_variant(fault.variant, fault.break_config);
        const auto created = json::parse(bv({"node", "create", image, "--json"}));
        const auto id = json::value_to<std::string>(created.at("id"));
        fault.break_node(host_.root() / "var/lib/blockvisor/images/dummy" / fault.variant / "1.0.0");
        fault.break_node_dir(node_dir(id));

        const auto start = host_.bv({"node", "start", id});
        EXPECT_EQ(start.exit_code, 1);
        EXPECT_NE(start.err.find(fault.step + " failed"), std::string::npos) << start.err;
        const auto info = node_info(id);
        EXPECT_EQ(json::value_to<std::string>(info.at("status")), "NODE_STATUS_FAILED");
        EXPECT_NE(json::value_to<std::string>(info.at("failure")).find(fault.step), std::string::npos);
        EXPECT_TRUE(eventually([&] { return processes_in(node_root(id)).empty(); }, 10s)) << "the failed node still runs";
        bv({"node", "delete", id});
        EXPECT_FALSE(std::filesystem::exists(node_dir(id)));
    }
}

TEST_F(NodeHost, CreateWithTheCallersIdIsIdempotent) {
    import("dummy");
    const std::string id = "6b0e4a52-3c1f-4d8e-9a7b-2f5c8d1e0a93";
    const auto first = bv({"node", "create", "dummy/sleeper/1.0.0", "--id", id, "--name", "given", "--props", "A=1"});
    EXPECT_NE(first.find(id), std::string::npos) << first;
    // A retry (the control plane's command delivered again) answers with the same node.
    const auto again = bv({"node", "create", "dummy/sleeper/1.0.0", "--id", id, "--name", "given", "--props", "A=1"});
    EXPECT_NE(again.find(id), std::string::npos) << again;
    const auto nameless_retry = bv({"node", "create", "dummy/sleeper/1.0.0", "--id", id, "--props", "A=1"});
    EXPECT_NE(nameless_retry.find("given"), std::string::npos) << nameless_retry;
    EXPECT_EQ(json::value_to<std::string>(node_info("given").at("id")), id);
    const auto listed = json::parse(bv({"node", "list", "--json"}));
    EXPECT_EQ(listed.at("nodes").as_array().size(), 1u) << listed;
    // The same id with another request is refused.
    const auto different = host_.bv({"node", "create", "dummy/sleeper/1.0.0", "--id", id, "--props", "A=2"});
    EXPECT_EQ(different.exit_code, 1);
    EXPECT_NE(different.err.find("exists already"), std::string::npos) << different.err;
    const auto bad_id = host_.bv({"node", "create", "dummy/sleeper/1.0.0", "--id", "not-a-uuid"});
    EXPECT_EQ(bad_id.exit_code, 1);
    EXPECT_NE(bad_id.err.find("invalid node id"), std::string::npos) << bad_id.err;
}

TEST_F(NodeHost, BadRequestsGetClearErrors) {
    import("dummy");
    const auto unknown_image = host_.bv({"node", "create", "nothing/here/1.0"});
    EXPECT_EQ(unknown_image.exit_code, 1);
    EXPECT_NE(unknown_image.err.find("not found"), std::string::npos) << unknown_image.err;

    bv({"node", "create", "dummy/sleeper/1.0.0", "--name", "taken"});
    const auto duplicate = host_.bv({"node", "create", "dummy/sleeper/1.0.0", "--name", "taken"});
    EXPECT_EQ(duplicate.exit_code, 1);
    EXPECT_NE(duplicate.err.find("exists already"), std::string::npos) << duplicate.err;

    // A name shaped like an id would make commands ambiguous: which node is meant?
    const auto taken_id = json::value_to<std::string>(node_info("taken").at("id"));
    const auto id_as_name = host_.bv({"node", "create", "dummy/sleeper/1.0.0", "--name", taken_id});
    EXPECT_EQ(id_as_name.exit_code, 1);
    EXPECT_NE(id_as_name.err.find("not shaped like a node id"), std::string::npos) << id_as_name.err;

    const auto invalid_id = host_.bv({"node", "start", "Not A Node!"});
    EXPECT_EQ(invalid_id.exit_code, 1);
    EXPECT_NE(invalid_id.err.find("neither a node id nor a valid node name"), std::string::npos) << invalid_id.err;

    const auto missing = host_.bv({"node", "start", "00000000-0000-4000-8000-000000000000"});
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.err.find("not found"), std::string::npos) << missing.err;

    const auto bad_property = host_.bv({"node", "create", "dummy/sleeper/1.0.0", "--props", "bad key=1"});
    EXPECT_EQ(bad_property.exit_code, 1);
    EXPECT_NE(bad_property.err.find("invalid property name"), std::string::npos) << bad_property.err;

    const auto bad_network = host_.bv({"node", "create", "dummy/sleeper/1.0.0", "--network", "bridge", "--ip", "999.1.1.1",
                                       "--gateway", "10.0.0.1"});
    EXPECT_EQ(bad_network.exit_code, 1);

    // An image that wants more than any host has.
    const auto giant = dummy_variant("giant", [](const std::string& config) {
        return std::regex_replace(config + "\n", std::regex("\\[requirements\\][^\\[]*"),
                                  "[requirements]\nvcpu_count = 4096\nmem_size_mb = 16\ndisk_size_gb = 1\n\n");
    });
    const auto too_big = host_.bv({"node", "create", giant});
    EXPECT_EQ(too_big.exit_code, 1);
    EXPECT_NE(too_big.err.find("4096 vCPU"), std::string::npos) << too_big.err;

    bv({"node", "delete", "taken"});
    const auto deleted = host_.bv({"node", "start", "taken"});
    EXPECT_EQ(deleted.exit_code, 1);
    EXPECT_NE(deleted.err.find("not found"), std::string::npos) << deleted.err;
    EXPECT_TRUE(host_.daemon().running());
}

TEST_F(NodeHost, HostNetworkNodesCannotShareAPort) {
    const auto image = litecoin_image();
    bv({"node", "create", image, "--name", "first"});
    bv({"node", "create", image, "--name", "second"});
    bv({"node", "start", "first"});
    const auto second = host_.bv({"node", "start", "second"});
    EXPECT_EQ(second.exit_code, 1);
    EXPECT_NE(second.err.find("port 19443"), std::string::npos) << second.err;
    EXPECT_NE(second.err.find("--network bridge"), std::string::npos) << second.err;
    EXPECT_EQ(bv({"node", "run", "first", "height"}), "1");
}

TEST_F(NodeHost, PortHeldByAnotherProgramIsRefusedOnTheHostNetwork) {
    const auto image = litecoin_image();
    bv({"node", "create", image, "--name", "blocked"});
    // This test process listens on the image's port, as any other program could.
    const int squatter = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int yes = 1;
    ::setsockopt(squatter, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(19443);
    ASSERT_EQ(::bind(squatter, reinterpret_cast<sockaddr*>(&address), sizeof address), 0) << std::strerror(errno);
    ASSERT_EQ(::listen(squatter, 1), 0);
    const auto start = host_.bv({"node", "start", "blocked"});
    EXPECT_EQ(start.exit_code, 1);
    EXPECT_NE(start.err.find("another program on this host listens on it"), std::string::npos) << start.err;
    EXPECT_EQ(trimmed(status_of("blocked")), "stopped");
    ::close(squatter);
}

TEST_F(NodeHost, BridgedNodesEachHaveTheirOwnNetwork) {
    const auto image = litecoin_image();
    bv({"node", "create", image, "--name", "left", "--network", "bridge", "--ip", "10.77.0.2", "--gateway", "10.77.0.1"});
    bv({"node", "create", image, "--name", "right", "--network", "bridge", "--ip", "10.77.0.3", "--gateway", "10.77.0.1"});
    bv({"node", "start", "left"});
    bv({"node", "start", "right"});
    // The same port in two network namespaces: two separate chains.
    EXPECT_EQ(bv({"node", "run", "right", "generate_blocks", "--param", "COUNT=3"}), "4");
    EXPECT_EQ(bv({"node", "run", "left", "height"}), "1");
    const auto list = bv({"node", "list"});
    EXPECT_NE(list.find("10.77.0.2"), std::string::npos) << list;
    EXPECT_NE(list.find("10.77.0.3"), std::string::npos) << list;
    const auto left = json::value_to<std::string>(node_info("left").at("id"));
    bv({"node", "delete", "left", "right"});
    const auto links = run({"ip", "link", "show"});
    EXPECT_EQ(links.out.find("bv" + left.substr(0, 8)), std::string::npos) << links.out;
}

TEST_F(NodeHost, ConcurrentOperationsOnOneNodeAreSerialised) {
    import("dummy");
    bv({"node", "create", "dummy/sleeper/1.0.0", "--name", "busy"});
    Process start({binary("bv"), "--root", host_.root().string(), "node", "start", "busy"}, host_.root());
    Process stop({binary("bv"), "--root", host_.root().string(), "node", "stop", "busy"}, host_.root());
    Process again({binary("bv"), "--root", host_.root().string(), "node", "start", "busy"}, host_.root());
    for (auto* process : {&start, &stop, &again}) {
        const auto result = process->wait(60s);
        ASSERT_TRUE(result);
        EXPECT_EQ(result->exit_code, 0) << result->err;
    }
    // Whatever the order, the node ended in a clean state that matches its desired one.
    const auto info = node_info("busy");
    const auto status = json::value_to<std::string>(info.at("status"));
    EXPECT_TRUE(status == "NODE_STATUS_RUNNING" || status == "NODE_STATUS_STOPPED") << status;
    EXPECT_EQ(json::value_to<std::string>(info.at("desired")), status);
}

}  // namespace
}  // namespace bv::test
