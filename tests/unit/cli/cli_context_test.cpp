#include "cli/cli_context.hpp"

#include <gtest/gtest.h>

namespace bv::cli {
namespace {

CliContext context_with_socket() {
    CliContext context;
    context.socket = "/srv/host/run/blockvisor/bvd.sock";
    return context;
}

TEST(CliDaemonErrors, FailingToConnectToTheSocketIsUnreachable) {
    const rpc::Error error(rpc::Code::unavailable,
                           "cannot connect to unix socket /srv/host/run/blockvisor/bvd.sock: "
                           "No such file or directory");
    EXPECT_TRUE(is_daemon_unreachable(context_with_socket(), error));
}

TEST(CliDaemonErrors, ANodeBvdCannotReachIsNotBvdUnreachable) {
    const rpc::Error error(rpc::Code::unavailable, "node 'eth-1': babel is not answering");
    EXPECT_FALSE(is_daemon_unreachable(context_with_socket(), error));
}

TEST(CliDaemonErrors, OtherCodesAreNotUnreachable) {
    const rpc::Error error(rpc::Code::not_found, "/srv/host/run/blockvisor/bvd.sock");
    EXPECT_FALSE(is_daemon_unreachable(context_with_socket(), error));
}

}  // namespace
}  // namespace bv::cli
