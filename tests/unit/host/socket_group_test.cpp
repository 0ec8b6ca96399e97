#include "host/socket_group.hpp"

#include <gtest/gtest.h>

namespace bv {
namespace {

TEST(SocketGroup, FindsTheGroupByItsWholeName) {
    const std::string_view file = "root:x:0:\nblockvisors:x:1001:\nblockvisor:x:998:alice,bob\nlast:x:7:";
    EXPECT_EQ(find_group_id(file, "blockvisor"), 998u);
    EXPECT_EQ(find_group_id(file, "last"), 7u);
    EXPECT_EQ(find_group_id(file, "root"), 0u);
    EXPECT_EQ(find_group_id(file, "nobody"), std::nullopt);
}

TEST(SocketGroup, MalformedLinesAreSkipped) {
    EXPECT_EQ(find_group_id("blockvisor\nblockvisor:x\nblockvisor:x::\nblockvisor:x:12a:\nblockvisor:x:5:\n", "blockvisor"),
              5u);
    EXPECT_EQ(find_group_id("", "blockvisor"), std::nullopt);
}

}  // namespace
}  // namespace bv
