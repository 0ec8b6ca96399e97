// The node manager's operations against a fake backend whose machines reach a node double in
// this process (support/node_double.hpp): the exact statuses and events each operation
// publishes, and a fault at every step of a start (an error, the machine dying), after which
// the node is failed, nothing is left running and a later start works. Milliseconds, no root.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "common/files.hpp"
#include "common/owned_tasks.hpp"
#include "daemon/event_bus.hpp"
#include "daemon/image_store.hpp"
#include "daemon/node_manager.hpp"
#include "rpc/error.hpp"
#include "support/node_double.hpp"
#include "support/process.hpp"

namespace bv::daemon {
namespace {

using namespace std::chrono_literals;
using test::Fault;
using Words = std::vector<std::string>;

class NodeLifecycle : public ::testing::Test {
protected:
    NodeLifecycle() {
        backends_.add(std::make_unique<test::FakeBackend>(node_));
        backend_ = dynamic_cast<test::FakeBackend*>(&backends_.get(machine::BackendKind::sandbox));
        write_file_atomically(dir_.path() / "bv-node", "a node binary");
        std::filesystem::create_directories(paths_.images_dir);
        std::filesystem::create_directories(paths_.nodes_dir);
        for (const auto* version : {"1.0.0", "1.1.0"}) import_image(version);
        asio::co_spawn(io_, collect_events(), asio::detached);
        run(manager_.load());
    }

    ~NodeLifecycle() override {
        bool finished = false;
        asio::co_spawn(io_, tasks_.finish(1s), [&](std::exception_ptr) { finished = true; });
        const auto busy = asio::make_work_guard(io_);
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (!finished && std::chrono::steady_clock::now() < deadline) io_.run_one_for(100ms);
    }

    void import_image(const std::string& version) {
        const auto source = dir_.path() / ("image-" + version);
        std::filesystem::create_directories(source / "rootfs");
        write_file_atomically(source / "babel.toml", test::double_image_config(version));
        run(images_.import(source, false, [](const std::string&) { return false; }));
    }

    // Runs an operation of the manager to its end; what it threw is thrown here.
    template <class T>
    T run(asio::awaitable<T> operation) {
        std::optional<T> result;
        std::exception_ptr failure;
        bool done = false;
        asio::co_spawn(io_, std::move(operation), [&](std::exception_ptr error, T value) {
            failure = error;
            if (!error) result = std::move(value);
            done = true;
        });
        // Kept busy: the manager's file work runs on worker threads, the loop waits meanwhile.
        const auto busy = asio::make_work_guard(io_);
        io_.restart();
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (!done && std::chrono::steady_clock::now() < deadline) io_.run_one_for(100ms);
        io_.poll();  // the event collector's turn
        if (!done) throw std::runtime_error("the operation did not end within 10 s");
        if (failure) std::rethrow_exception(failure);
        return std::move(*result);
    }
    void run(asio::awaitable<void> operation) {
        run([](asio::awaitable<void> inner) -> asio::awaitable<bool> {
            co_await std::move(inner);
            co_return true;
        }(std::move(operation)));
    }

    // The error an operation ends with ("" when it succeeds).
    template <class T>
    std::string error_of(asio::awaitable<T> operation) {
        try {
            run(std::move(operation));
            return "";
        } catch (const std::exception& error) {
            return error.what();
        }
    }

    // The events published since the last call, as words: "STARTING" for a status, else the
    // kind ("UPGRADING").
    Words events() { return std::exchange(events_, {}); }

    std::string create(const std::string& name) {
        v1::CreateNodeRequest request;
        request.set_image("double/node/1.0.0");
        request.set_name(name);
        return run(manager_.create(request)).id();
    }
    v1::NodeStatus status(const std::string& node) const { return manager_.info(node).status(); }
    // The rows of `bv node list`'s table, decoded as bv decodes them.
    google::protobuf::RepeatedPtrField<v1::NodeRow> table_rows(const NodeListFilter& filter) const {
        v1::ListNodesResponse response;
        EXPECT_TRUE(response.ParseFromString(manager_.encoded_rows(filter)));
        EXPECT_EQ(response.nodes_size(), 0);
        return response.rows();
    }
    // The machine of the node made or upgraded last (gone with a deleted node).
    test::FakeMachine& machine() const { return *backend_->last_machine; }
    Words calls() { return std::exchange(node_.calls, {}); }

    test::TempDir dir_{"bv-lifecycle"};
    HostPaths paths_ = host_paths(dir_.path() / "root");
    asio::io_context io_;
    test::NodeDouble node_{dir_.path()};
    ImageStore images_{paths_.images_dir};
    machine::BackendRegistry backends_{machine::BackendKind::sandbox};
    test::FakeBackend* backend_ = nullptr;
    EventBus bus_;
    OwnedTasks tasks_;
    NodeManager manager_{io_.get_executor(), paths_, images_, backends_, bus_, tasks_,
                         NodeManagerOptions{.node_binary = dir_.path() / "bv-node", .node_binary_sha256 = "the same"}};

private:
    asio::awaitable<void> collect_events() {
        for (;;) {
            const auto event = co_await subscription_->next();
            if (!event) continue;
            events_.push_back(event->kind() == v1::NODE_EVENT_KIND_STATUS
                                  ? v1::NodeStatus_Name(event->status()).substr(std::string("NODE_STATUS_").size())
                                  : v1::NodeEventKind_Name(event->kind()).substr(std::string("NODE_EVENT_KIND_").size()));
        }
    }

    // Here, not in the collector's frame: the frame goes with the io_context, after the bus.
    std::unique_ptr<EventBus::Subscription> subscription_ = bus_.subscribe();
    Words events_;
};

TEST_F(NodeLifecycle, EachOperationPublishesItsStatusesInOrderAndCallsTheNodeAsItShould) {
    const auto id = create("double-1");
    EXPECT_EQ(events(), (Words{"CREATING", "STOPPED"}));
    EXPECT_EQ(calls(), Words{}) << "a create does not start the machine";

    run(manager_.start("double-1"));
    EXPECT_EQ(events(), (Words{"STARTING", "RUNNING"}));
    EXPECT_EQ(calls(), (Words{"GetStatus", "Setup", "Ping", "Init"}));
    EXPECT_TRUE(machine().running());
    run(manager_.start("double-1"));
    EXPECT_EQ(events(), Words{}) << "starting a running node changes nothing";

    run(manager_.restart("double-1", false));
    EXPECT_EQ(events(), (Words{"STOPPING", "STOPPED", "STARTING", "RUNNING"}));
    EXPECT_EQ(calls(), (Words{"Shutdown", "GetStatus", "Setup", "Ping", "Init"}));

    // An upgrade of a running node stops it, changes the image, and starts it again.
    run(manager_.upgrade("double-1", "double/node/1.1.0"));
    EXPECT_EQ(events(), (Words{"UPGRADING", "STOPPING", "STOPPED", "UPGRADED", "STARTING", "RUNNING"}));
    EXPECT_EQ(calls(), (Words{"Shutdown", "GetStatus", "Setup", "Ping", "Init"}));
    EXPECT_EQ(manager_.info(id).image().version(), "1.1.0");

    run(manager_.stop("double-1", false));
    EXPECT_EQ(events(), (Words{"STOPPING", "STOPPED"}));
    EXPECT_EQ(calls(), (Words{"Shutdown"}));
    EXPECT_FALSE(machine().running());
    run(manager_.stop("double-1", false));
    EXPECT_EQ(events(), Words{}) << "stopping a stopped node changes nothing";

    // An upgrade of a stopped node leaves it stopped.
    run(manager_.upgrade("double-1", "double/node/1.0.0"));
    EXPECT_EQ(events(), (Words{"UPGRADING", "UPGRADED"}));
    EXPECT_EQ(status(id), v1::NODE_STATUS_STOPPED);

    run(manager_.start("double-1"));
    events();
    calls();
    EXPECT_EQ(run(manager_.remove("double-1")), id);
    EXPECT_EQ(events(), (Words{"DELETING", "DELETED"}));
    EXPECT_EQ(calls(), (Words{"Shutdown"})) << "the machine was stopped (and is gone with the node)";
    EXPECT_THROW(manager_.info(id), rpc::Error);
    EXPECT_FALSE(std::filesystem::exists(paths_.nodes_dir / id)) << "its directory is gone";
}

TEST_F(NodeLifecycle, AFaultAtEveryStepOfAStartFailsTheNodeLeavesNothingRunningAndALaterStartWorks) {
    struct Case {
        std::string procedure;  // "" for the machine's own start
        Fault fault;
        std::string step;  // as the error names it
        Words calls;       // what the double saw, in order
    };
    const std::vector<Case> cases{
        {"", Fault::error, "starting the machine", {}},
        {"GetStatus", Fault::error, "waiting for babelsup", {"GetStatus"}},
        {"GetStatus", Fault::machine_dies, "waiting for babelsup", {"GetStatus"}},
        {"Setup", Fault::error, "setting up the node", {"GetStatus", "Setup"}},
        {"Setup", Fault::machine_dies, "setting up the node", {"GetStatus", "Setup"}},
        {"Ping", Fault::machine_dies, "waiting for babel", {"GetStatus", "Setup", "Ping"}},
        {"Init", Fault::error, "running init", {"GetStatus", "Setup", "Ping", "Init"}},
        {"Init", Fault::machine_dies, "running init", {"GetStatus", "Setup", "Ping", "Init"}},
    };
    const auto id = create("double-1");
    events();
    for (const auto& fault : cases) {
        const auto name = (fault.procedure.empty() ? std::string("the machine") : fault.procedure) +
                          (fault.fault == Fault::error ? " fails" : ": the machine dies");
        node_.faults.clear();
        backend_->start_fault = Fault::none;
        if (fault.procedure.empty()) {
            backend_->start_fault = fault.fault;
        } else {
            node_.faults[fault.procedure] = fault.fault;
        }
        const auto clean_ups = machine().clean_ups;

        const auto error = error_of(manager_.start("double-1"));
        EXPECT_NE(error.find("node 'double-1': " + fault.step + " failed: "), std::string::npos) << name << ": " << error;
        EXPECT_NE(error.find("(injected)"), std::string::npos) << name << ": the cause is kept: " << error;
        EXPECT_EQ(events(), (Words{"STARTING", "FAILED"})) << name;
        EXPECT_EQ(calls(), fault.calls) << name << ": nothing is called after the step that failed";
        EXPECT_EQ(status(id), v1::NODE_STATUS_FAILED) << name;
        EXPECT_NE(manager_.info(id).failure().find(fault.step), std::string::npos) << name << ": the failure says where";
        EXPECT_FALSE(machine().running()) << name << ": nothing is left running";
        EXPECT_EQ(machine().clean_ups, clean_ups + 1) << name << ": what the machine held outside the node is freed";
        EXPECT_EQ(read_file(paths_.nodes_dir / id / "node.json").find("\"machine\""), std::string::npos)
            << name << ": the record names no machine";
        EXPECT_NE(read_file(paths_.nodes_dir / id / "node.json").find("NODE_STATUS_RUNNING"), std::string::npos)
            << name << ": the record says that the node should run (recovery tries again)";
        EXPECT_FALSE(std::filesystem::exists(paths_.nodes_dir / id / "starting.json")) << name << ": no start in progress is left";

        node_.faults.clear();
        backend_->start_fault = Fault::none;
        run(manager_.start("double-1"));
        EXPECT_EQ(events(), (Words{"STARTING", "RUNNING"})) << name << ": the next start works";
        run(manager_.stop("double-1", false));
        events();
        calls();
    }
}

// Lists come in name order, as full infos or as the table's rows; a name deleted and taken
// again lists once, as the new node.
TEST_F(NodeLifecycle, ListsAreInNameOrderAndADeletedNameTakenAgainListsOnce) {
    for (const auto* name : {"charlie", "alpha", "bravo"}) create(name);
    const auto old_bravo = manager_.info("bravo").id();
    run(manager_.remove("bravo"));
    const auto new_bravo = create("bravo");
    run(manager_.start("charlie"));
    google::protobuf::RepeatedPtrField<v1::NodeInfo> infos;
    manager_.list_into(infos, {});
    const auto rows = table_rows({});
    Words names, row_names;
    for (const auto& info : infos) names.push_back(info.name());
    for (const auto& row : rows) row_names.push_back(row.name());
    EXPECT_EQ(names, (Words{"alpha", "bravo", "charlie"}));
    EXPECT_EQ(row_names, names);
    EXPECT_EQ(rows.at(1).id(), new_bravo);
    EXPECT_NE(new_bravo, old_bravo);
    EXPECT_EQ(rows.at(1).image(), "double/node/1.0.0");
    EXPECT_EQ(rows.at(1).status(), v1::NODE_STATUS_STOPPED);
    EXPECT_EQ(rows.at(2).status(), v1::NODE_STATUS_RUNNING);
    const auto running = table_rows({.running_only = true});
    ASSERT_EQ(running.size(), 1);
    EXPECT_EQ(running.at(0).name(), "charlie");
}

// A row's id, name, image and ip are encoded once and kept: what changes since (its status, its
// uptime, its image at an upgrade) shows at the next list.
TEST_F(NodeLifecycle, TheTableRowOfANodeShowsItsChangesAtTheNextList) {
    const auto id = create("double-1");
    auto rows = table_rows({});
    ASSERT_EQ(rows.size(), 1);
    EXPECT_EQ(rows.at(0).id(), id);
    EXPECT_EQ(rows.at(0).name(), "double-1");
    EXPECT_EQ(rows.at(0).image(), "double/node/1.0.0");
    EXPECT_EQ(rows.at(0).status(), v1::NODE_STATUS_STOPPED);
    EXPECT_EQ(rows.at(0).uptime_seconds(), 0u);

    run(manager_.start("double-1"));
    rows = table_rows({});
    EXPECT_EQ(rows.at(0).status(), v1::NODE_STATUS_RUNNING);
    EXPECT_EQ(rows.at(0).image(), "double/node/1.0.0");

    run(manager_.upgrade("double-1", "double/node/1.1.0"));
    rows = table_rows({});
    EXPECT_EQ(rows.at(0).image(), "double/node/1.1.0");
    EXPECT_EQ(rows.at(0).id(), id);
    EXPECT_EQ(rows.at(0).status(), v1::NODE_STATUS_RUNNING);

    run(manager_.stop("double-1", false));
    rows = table_rows({});
    EXPECT_EQ(rows.at(0).status(), v1::NODE_STATUS_STOPPED);
    EXPECT_EQ(table_rows({.image_contains = "1.1.0"}).size(), 1);
    EXPECT_EQ(table_rows({.image_contains = "1.0.0"}).size(), 0);
}

TEST_F(NodeLifecycle, AMachineThatDiesWhileRunningFailsTheNodeAndIsCleanedUp) {
    const auto id = create("double-1");
    run(manager_.start("double-1"));
    events();
    const auto clean_ups = machine().clean_ups;
    machine().stop();
    io_.poll();
    // The watch frees what the machine held, under the node's lock: wait for that.
    run(manager_.stop("double-1", false));
    EXPECT_EQ(events(), (Words{"FAILED", "STOPPED"}));
    EXPECT_GE(machine().clean_ups, clean_ups + 1);
    EXPECT_EQ(status(id), v1::NODE_STATUS_STOPPED);
    EXPECT_EQ(calls(), (Words{"GetStatus", "Setup", "Ping", "Init"})) << "no Shutdown to a machine that is gone";
}

TEST_F(NodeLifecycle, AForcedStopDuringAStartThatHangsEndsTheStartAtOnce) {
    create("double-1");
    events();
    node_.faults["Init"] = Fault::hang;
    std::string start_error;
    bool start_ended = false;
    asio::co_spawn(io_, manager_.start("double-1"), [&](std::exception_ptr error, v1::NodeInfo) {
        try {
            if (error) std::rethrow_exception(error);
        } catch (const std::exception& failure) {
            start_error = failure.what();
        }
        start_ended = true;
    });
    // Until Init is the call in progress.
    const auto busy = asio::make_work_guard(io_);
    while (std::ranges::find(node_.calls, "Init") == node_.calls.end() && !start_ended) io_.run_one_for(100ms);
    ASSERT_FALSE(start_ended);
    run(manager_.stop("double-1", true));
    EXPECT_TRUE(start_ended);
    EXPECT_NE(start_error.find("its start was ended by a forced stop"), std::string::npos) << start_error;
    EXPECT_FALSE(machine().running());
    EXPECT_EQ(status("double-1"), v1::NODE_STATUS_STOPPED);
}

}  // namespace
}  // namespace bv::daemon
