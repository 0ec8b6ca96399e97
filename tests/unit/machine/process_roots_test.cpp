#include "machine/process_roots.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/process.hpp"

namespace bv::machine {
namespace {

// A child whose root directory is `root` (as a sandbox's processes are), until killed.
pid_t child_rooted_at(const std::filesystem::path& root) {
    int ready[2];
    if (::pipe(ready) != 0) throw std::runtime_error("pipe failed");
    const pid_t child = ::fork();
    if (child == 0) {
        if (::chroot(root.c_str()) != 0) ::_exit(1);
        (void)!::write(ready[1], "x", 1);
        ::pause();
        ::_exit(0);
    }
    ::close(ready[1]);
    char byte = 0;
    const auto got = ::read(ready[0], &byte, 1);
    ::close(ready[0]);
    if (got != 1) throw std::runtime_error("the child could not chroot");
    return child;
}

TEST(ProcessRoots, FindsAProcessByItsRootAndLeavesOutTheHostsOwn) {
    if (::geteuid() != 0) GTEST_SKIP() << "chroot needs root";
    test::TempDir dir("bv-process-roots");
    const auto root = std::filesystem::canonical(dir.path());
    const pid_t child = child_rooted_at(root);

    const auto processes = ProcessRoots::read();
    EXPECT_EQ(processes.under(root), std::vector<pid_t>{child});
    EXPECT_TRUE(processes.under("/").empty()) << "the host's own processes are not kept";
    EXPECT_TRUE(processes.under(root / "elsewhere").empty());
    EXPECT_TRUE(process_root_is(child, root));
    EXPECT_FALSE(process_root_is(::getpid(), root));

    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    EXPECT_FALSE(process_root_is(child, root)) << "a PID read before is checked again: this one is gone";
    EXPECT_TRUE(ProcessRoots::read().under(root).empty());
}

}  // namespace
}  // namespace bv::machine
