#include "rpc/connection_table.hpp"

#include <gtest/gtest.h>

namespace bv::rpc {
namespace {

using namespace std::chrono_literals;
using Phase = ConnectionPhase;

ServerLimits limits_of(std::size_t max_connections) {
    ServerLimits limits;
    limits.max_connections = max_connections;
    limits.header_timeout = 10s;
    limits.idle_timeout = 60s;
    limits.idle_timeout_near_limit = 2s;
    limits.near_limit_percent = 80;
    return limits;
}

TEST(ConnectionTable, AtTheLimitTheConnectionIdleTheLongestMakesRoom) {
    ConnectionTable table(limits_of(3));
    auto first = table.add();
    auto second = table.add();
    auto third = table.add();
    EXPECT_TRUE(table.full());
    // The first one served a call and went back to waiting: now it is the newest idle one.
    table.set_phase(first, Phase::serving);
    table.set_phase(first, Phase::awaiting_request);
    EXPECT_EQ(table.close_oldest_idle(), &*second);
    EXPECT_EQ(second->phase, Phase::closing);
    EXPECT_FALSE(table.full()) << "a closing connection is not counted";
    EXPECT_EQ(table.size(), 3u) << "until its coroutine ends";
    EXPECT_EQ(table.close_oldest_idle(), &*third);
    EXPECT_EQ(table.close_oldest_idle(), &*first);
    EXPECT_EQ(table.close_oldest_idle(), nullptr);
}

TEST(ConnectionTable, ConnectionsServingCallsAreNeverClosedToMakeRoom) {
    ConnectionTable table(limits_of(2));
    auto streaming = table.add();
    auto reading = table.add();
    table.set_phase(streaming, Phase::serving);
    table.set_phase(reading, Phase::reading_request);
    EXPECT_EQ(table.close_oldest_idle(), &*reading) << "half a request is not a call: it may go";
    table.remove(reading);
    auto other = table.add();
    table.set_phase(other, Phase::serving);
    EXPECT_TRUE(table.full());
    EXPECT_EQ(table.close_oldest_idle(), nullptr)
        << "every connection serves: the new one is refused";
    EXPECT_EQ(streaming->phase, Phase::serving);
}

TEST(ConnectionTable, ClosingConnectionsStayClosing) {
    ConnectionTable table(limits_of(4));
    auto connection = table.add();
    table.set_phase(connection, Phase::closing);
    table.set_phase(connection, Phase::serving);
    EXPECT_EQ(connection->phase, Phase::closing);
    EXPECT_EQ(table.counted(), 0u);
    table.remove(connection);
    EXPECT_EQ(table.counted(), 0u);
    EXPECT_TRUE(table.empty());
}

TEST(ConnectionTable, ShutdownClosesIdleConnectionsFirstThenTheRest) {
    ConnectionTable table(limits_of(4));
    auto idle = table.add();
    auto serving = table.add();
    table.set_phase(serving, Phase::serving);
    EXPECT_EQ(table.close_idle(), std::vector<ConnectionTable::Entry*>{&*idle});
    EXPECT_EQ(table.close_all(), std::vector<ConnectionTable::Entry*>{&*serving});
    EXPECT_TRUE(table.close_all().empty());
    EXPECT_EQ(table.counted(), 0u);
}

TEST(ConnectionTable, IdleConnectionsWaitLessNearTheLimit) {
    ConnectionTable table(limits_of(10));
    std::vector<ConnectionTable::Handle> open;
    for (int i = 0; i < 7; ++i) open.push_back(table.add());
    EXPECT_EQ(table.request_wait_limit(false), 60s);
    EXPECT_EQ(table.request_wait_limit(true), 10s)
        << "a new connection has the header timeout to begin";
    open.push_back(table.add());  // 8 of 10: 80 %
    EXPECT_EQ(table.request_wait_limit(false), 2s);
    EXPECT_EQ(table.request_wait_limit(true), 2s);
    table.set_phase(open.front(), Phase::closing);
    EXPECT_EQ(table.request_wait_limit(false), 60s) << "closing connections do not count";
}

TEST(ConnectionTable, ConnectionsStayWithinTheOpenFileLimit) {
    EXPECT_EQ(within_open_file_limit(limits_of(1024), 1024).max_connections, 768u);
    EXPECT_EQ(within_open_file_limit(limits_of(1024), 524288).max_connections, 1024u);
    EXPECT_EQ(within_open_file_limit(limits_of(1024), std::numeric_limits<std::uint64_t>::max())
                  .max_connections,
              1024u);
}

}  // namespace
}  // namespace bv::rpc
