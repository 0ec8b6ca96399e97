#include "babel/vm_root_layer.hpp"

#include <gtest/gtest.h>

#include "common/files.hpp"
#include "support/process.hpp"

namespace bv::babel {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

class VmRootLayer : public ::testing::Test {
protected:
    fs::path disk() const { return dir_.path(); }
    fs::path changed_file() const { return disk() / "root/upper/root/.litecoin/settings"; }
    void change_the_root() const {
        fs::create_directories(changed_file().parent_path());
        write_file_atomically(changed_file(), "{}");
    }
    TempDir dir_{"bv-root-layer"};
};

TEST_F(VmRootLayer, AFirstBootMakesTheLayerAndRecordsItsImage) {
    prepare_root_layer(disk(), "litecoin/regtest/1");
    EXPECT_TRUE(fs::is_directory(disk() / "root/upper"));
    EXPECT_TRUE(fs::is_directory(disk() / "root/work"));
    EXPECT_EQ(read_file(disk() / "root/image"), "litecoin/regtest/1");
}

TEST_F(VmRootLayer, TheSameImageKeepsTheNodesChanges) {
    prepare_root_layer(disk(), "litecoin/regtest/1");
    change_the_root();
    prepare_root_layer(disk(), "litecoin/regtest/1");
    EXPECT_TRUE(fs::exists(changed_file()));
}

TEST_F(VmRootLayer, AnotherImageDropsTheChangesButNothingElseOnTheDisk) {
    prepare_root_layer(disk(), "litecoin/regtest/1");
    change_the_root();
    fs::create_directories(disk() / "data/regtest");
    write_file_atomically(disk() / "data/regtest/blocks", "chain");
    prepare_root_layer(disk(), "litecoin/regtest/2");
    EXPECT_FALSE(fs::exists(changed_file()));
    EXPECT_TRUE(fs::is_directory(disk() / "root/upper"));
    EXPECT_EQ(read_file(disk() / "root/image"), "litecoin/regtest/2");
    EXPECT_EQ(read_file(disk() / "data/regtest/blocks"), "chain");
    EXPECT_FALSE(fs::exists(disk() / "root.replaced"));
}

TEST_F(VmRootLayer, ALayerWithoutARecordIsKeptAndNoImageChangesNothing) {
    change_the_root();
    prepare_root_layer(disk(), "");
    EXPECT_TRUE(fs::exists(changed_file()));
    EXPECT_FALSE(fs::exists(disk() / "root/image"));
    prepare_root_layer(disk(), "litecoin/regtest/1");
    EXPECT_TRUE(fs::exists(changed_file()));
    EXPECT_EQ(read_file(disk() / "root/image"), "litecoin/regtest/1");
}

// Power lost in the middle of removing an old layer: the next boot finishes the job.
TEST_F(VmRootLayer, AHalfRemovedOldLayerGoesAtTheNextBoot) {
    prepare_root_layer(disk(), "litecoin/regtest/2");
    fs::create_directories(disk() / "root.replaced/upper/usr");
    prepare_root_layer(disk(), "litecoin/regtest/2");
    EXPECT_FALSE(fs::exists(disk() / "root.replaced"));
    EXPECT_EQ(read_file(disk() / "root/image"), "litecoin/regtest/2");
}

}  // namespace
}  // namespace bv::babel
