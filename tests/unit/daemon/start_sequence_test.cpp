// The start sequence (run_start_sequence) against a node double in this process
// (support/node_double.hpp): a fake machine whose channel reaches babelsup's and babel's
// procedures served here, each of which can fail or hang. A fault at every step: the start ends with an error naming that step,
// within that step's deadline, and no later step is called (the exact calls are asserted).

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>

#include "babel/node_contract.hpp"
#include "common/files.hpp"
#include "daemon/node_starter.hpp"
#include "rpc/error.hpp"
#include "rpc/router.hpp"
#include "rpc/server.hpp"
#include "support/node_double.hpp"
#include "support/process.hpp"

namespace bv::daemon {
namespace {

namespace asio = boost::asio;
namespace babel_v1 = blockvisor::babel::v1;
namespace procedures = babel::procedures;
using namespace std::chrono_literals;

using test::FakeMachine;
using test::Fault;
using test::NodeDouble;

struct Outcome {
    std::string error;  // empty: the start succeeded
    std::optional<rpc::Code> code;
    std::vector<std::string> calls;
    bool machine_recorded = false;
};

const auto kConfig = test::double_image_config();

class StartSequence : public ::testing::Test {
protected:
    Outcome start(Fault machine_fault, std::map<std::string, Fault> faults, bool babel_outdated = false,
                  bool with_keys = false) {
        test::TempDir dir("bv-start-sequence");
        NodeDouble node(dir.path());
        node.faults = std::move(faults);
        if (babel_outdated) node.babel_sha256 = "an older babel";
        if (with_keys) {
            std::filesystem::create_directories(dir.path() / "keys");
            write_file_atomically(dir.path() / "keys/validator.key", "secret", 0600);
        }
        FakeMachine machine(node, machine_fault);
        write_file_atomically(dir.path() / "bv-node", "a node binary");

        v1::NodeRecord record;
        record.set_id("3f0c2a4e-0000-4000-8000-000000000001");
        record.set_name("double-1");
        Image image;
        image.name = "double/node/1.0.0";
        image.config_toml = kConfig;
        image.config = babel::parse_babel_config(kConfig);
        Outcome outcome;
        StartPlan plan{record, image, dir.path(), dir.path() / "bv-node", "the same",
                       [&] { outcome.machine_recorded = true; }, nullptr, {}};
        plan.deadlines = {.machine = 200ms, .babelsup = 200ms, .babel_install = 200ms, .setup = 200ms,
                          .babel = 200ms, .keys = 200ms, .key_exchange = 200ms, .init = 200ms};

        asio::io_context io;
        asio::co_spawn(io, run_start_sequence(machine, plan), [&](std::exception_ptr error) {
            if (error) {
                try {
                    std::rethrow_exception(error);
                } catch (const rpc::Error& failure) {
                    outcome.error = failure.what();
                    outcome.code = failure.code();
                } catch (const std::exception& failure) {
                    outcome.error = std::string("not an rpc::Error: ") + failure.what();
                }
            }
            io.stop();
        });
        io.run_for(10s);
        outcome.calls = node.calls;
        return outcome;
    }
};

using Calls = std::vector<std::string>;

TEST_F(StartSequence, WithoutFaultsItCallsEachStepOnceInOrder) {
    const auto outcome = start(Fault::none, {});
    EXPECT_EQ(outcome.error, "");
    EXPECT_EQ(outcome.calls, (Calls{"GetStatus", "Setup", "Ping", "Init"}));
    EXPECT_TRUE(outcome.machine_recorded);
    EXPECT_EQ(start(Fault::none, {}, true, true).calls,
              (Calls{"GetStatus", "UploadBabelChunk", "InstallBabel", "Setup", "Ping", "UploadKeys", "Init"}))
        << "an outdated babel is replaced; the node's keys are uploaded";
}

TEST_F(StartSequence, AFaultAtEveryStepEndsTheStartNamingThatStepAndCallsNothingAfterIt) {
    struct Case {
        std::string procedure;  // "" for the machine itself
        std::string step;       // as the error names it
        Calls calls;            // what the double saw, in order
        bool babel_outdated = false;
        bool with_keys = false;
    };
    const std::vector<Case> cases{
        {"", "starting the machine", {}},
        {"GetStatus", "waiting for babelsup", {"GetStatus"}},
        {"UploadBabelChunk", "installing babel", {"GetStatus", "UploadBabelChunk"}, true},
        {"InstallBabel", "installing babel", {"GetStatus", "UploadBabelChunk", "InstallBabel"}, true},
        {"Setup", "setting up the node", {"GetStatus", "Setup"}},
        {"Ping", "waiting for babel", {"GetStatus", "Setup", "Ping"}},
        {"UploadKeys", "uploading keys", {"GetStatus", "Setup", "Ping", "UploadKeys"}, false, true},
        {"Init", "running init", {"GetStatus", "Setup", "Ping", "Init"}},
    };
    for (const auto& fault : cases) {
        for (const auto kind : {Fault::error, Fault::hang}) {
            const auto name = (fault.procedure.empty() ? std::string("machine") : fault.procedure) +
                              (kind == Fault::error ? " fails" : " hangs");
            std::map<std::string, Fault> faults;
            if (!fault.procedure.empty()) faults[fault.procedure] = kind;
            const auto outcome = start(fault.procedure.empty() ? kind : Fault::none, faults, fault.babel_outdated,
                                       fault.with_keys);
            EXPECT_NE(outcome.error.find("node 'double-1': " + fault.step + " failed: "), std::string::npos)
                << name << ": " << outcome.error;
            if (kind == Fault::hang) {
                EXPECT_EQ(outcome.code, rpc::Code::deadline_exceeded) << name << ": " << outcome.error;
                EXPECT_NE(outcome.error.find("within 200 ms"), std::string::npos) << name << ": " << outcome.error;
            } else {
                EXPECT_NE(outcome.error.find("(injected)"), std::string::npos) << name << ": the cause is kept: " << outcome.error;
            }
            // A ping that fails is retried until its deadline (babel may still be starting).
            auto expected = fault.calls;
            auto seen = outcome.calls;
            if (fault.procedure == "Ping" && kind == Fault::error) {
                seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
            }
            EXPECT_EQ(seen, expected) << name;
            EXPECT_EQ(outcome.machine_recorded, !fault.procedure.empty()) << name << ": recorded once it runs";
        }
    }
}

}  // namespace
}  // namespace bv::daemon
