#include "daemon/admission.hpp"

#include <gtest/gtest.h>

namespace bv::daemon {
namespace {

const HostCapacity kHost{.cpu_count = 4, .memory_bytes = 8ull << 30, .disk_available_bytes = 100ull << 30};

TEST(Admission, ANodeThatFitsBesideTheOthersIsAdmitted) {
    EXPECT_EQ(capacity_refusal({2, 4096, 50}, {{1, 2048, 40}}, kHost), std::nullopt);
    EXPECT_EQ(capacity_refusal({4, 8192, 100}, {}, kHost), std::nullopt) << "exactly the host is enough";
}

TEST(Admission, EachResourceCanRefuseAndTheRefusalSaysWhatIsThereAndWhatIsAsked) {
    EXPECT_NE(capacity_refusal({3, 1, 1}, {{2, 0, 0}}, kHost), std::nullopt) << "CPUs";
    EXPECT_NE(capacity_refusal({0, 6144, 1}, {{0, 4096, 0}}, kHost), std::nullopt) << "memory";
    const auto disk = capacity_refusal({0, 0, 101}, {}, kHost);
    ASSERT_NE(disk, std::nullopt);
    EXPECT_EQ(*disk,
              "the node needs 0 vCPU, 0 MB memory and 101 GB disk; with the nodes already here that makes 0 vCPU, 0 MB, "
              "101 GB, but the host has 4 CPUs, 8192 MB and 100 GB");
}

TEST(Admission, DiskTheOtherNodesReservedButDoNotUseYetCountsAsTheHosts) {
    // 60 GB reserved by a node that wrote nothing yet; 100 GB free: 160 GB in all.
    EXPECT_EQ(capacity_refusal({0, 0, 100}, {{0, 0, 60}}, kHost), std::nullopt);
    EXPECT_NE(capacity_refusal({0, 0, 101}, {{0, 0, 60}}, kHost), std::nullopt);
}

TEST(Admission, HostPortsHeldByAnotherNodeOrProgramAreRefusedNamingWhoHoldsThem) {
    const std::vector<PortHolder> holders{{"quiet-owl", {8080}}, {"busy-fox", {19443, 19444}}};
    EXPECT_EQ(host_port_refusal("new", {9000}, holders, {}), std::nullopt);
    EXPECT_EQ(host_port_refusal("new", {}, holders, {19443}), std::nullopt) << "a node that needs no ports";
    EXPECT_EQ(host_port_refusal("new", {19444}, holders, {}),
              "node 'new' needs port 19444 of the host network, which node 'busy-fox' uses; stop it, or create this "
              "node with --network bridge");
    EXPECT_EQ(host_port_refusal("new", {9000}, holders, {9000}),
              "node 'new' needs port 9000 of the host network, but another program on this host listens on it; stop "
              "that program, or create this node with --network bridge");
    const auto both = host_port_refusal("new", {8080}, holders, {8080});
    ASSERT_NE(both, std::nullopt);
    EXPECT_NE(both->find("node 'quiet-owl' uses"), std::string::npos) << "a node is named before a program: " << *both;
}

}  // namespace
}  // namespace bv::daemon
