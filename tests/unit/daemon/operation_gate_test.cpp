#include "daemon/operation_gate.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "rpc/error.hpp"

namespace bv::daemon {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

asio::awaitable<void> wait_drained(OperationGate& gate, asio::steady_timer::time_point deadline,
                                   std::optional<bool>& drained) {
    drained = co_await gate.drained(deadline);
}

TEST(OperationGateTest, ClosedGateRefusesWithARetryableError) {
    OperationGate gate;
    EXPECT_NO_THROW(gate.enter("node start"));
    gate.close("a self update to 1.2.3 is in progress");
    try {
        gate.enter("node start");
        FAIL() << "entered a closed gate";
    } catch (const rpc::Error& error) {
        EXPECT_EQ(error.code(), rpc::Code::unavailable);
        EXPECT_STREQ(error.what(),
                     "node start refused: a self update to 1.2.3 is in progress; try again when it "
                     "has ended");
    }
    EXPECT_FALSE(gate.try_enter());
    gate.open();
    EXPECT_TRUE(gate.try_enter());
}

TEST(OperationGateTest, DrainedWaitsForTheOperationsInFlight) {
    asio::io_context io;
    OperationGate gate;
    auto first = std::make_unique<OperationGate::Pass>(gate.enter("a"));
    auto second = std::make_unique<OperationGate::Pass>(gate.enter("b"));
    EXPECT_EQ(gate.in_flight(), 2u);
    gate.close("updating");
    std::optional<bool> drained;
    asio::co_spawn(io, wait_drained(gate, asio::steady_timer::clock_type::now() + 60s, drained),
                   asio::detached);
    io.poll();
    EXPECT_FALSE(drained);
    first.reset();
    io.poll();
    EXPECT_FALSE(drained);
    second.reset();
    io.run_for(1s);
    EXPECT_EQ(drained, true);
}

TEST(OperationGateTest, DrainedGivesUpAtItsDeadline) {
    asio::io_context io;
    OperationGate gate;
    const auto stuck = gate.enter("a");
    std::optional<bool> drained;
    asio::co_spawn(io, wait_drained(gate, asio::steady_timer::clock_type::now(), drained),
                   asio::detached);
    io.run_for(5s);
    EXPECT_EQ(drained, false);
    EXPECT_EQ(gate.in_flight(), 1u);
}

}  // namespace
}  // namespace bv::daemon
