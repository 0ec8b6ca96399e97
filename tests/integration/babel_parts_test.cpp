// Parts of babel and babelsup that stand on the operating system: child processes, the data
// volume mount, the vsock channel, and `babel check-config` as a user runs it.

#include <gtest/gtest.h>
#include <linux/vm_sockets.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <sstream>
#include <system_error>

#include "babel/node_channel.hpp"
#include "common/child_processes.hpp"
#include "common/files.hpp"
#include "support/babel_node.hpp"
#include "support/host_under_test.hpp"
#include "support/process.hpp"
#include "support/rpc_call.hpp"

namespace bv::test {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

template <class Body>
void run_on_loop(Body body) {
    asio::io_context io;
    std::exception_ptr failure;
    asio::co_spawn(io, body(io), [&](std::exception_ptr error) {
        failure = error;
        io.stop();
    });
    io.run();
    if (failure) std::rethrow_exception(failure);
}

// Processes of process group `group` that are alive (zombies waiting to be reaped by
// someone else do not count).
long live_members_of_group(pid_t group) {
    return std::ranges::count_if(all_processes(), [&](const ProcessEntry& process) {
        return process.group == group && process.state != 'Z';
    });
}

SpawnOptions command(std::vector<std::string> argv) {
    SpawnOptions options;
    options.argv = std::move(argv);
    options.environment = current_environment();
    return options;
}

// Regression test for a Boost.Process v2 trap (its waits held up the loop): waiting for one child must not
// block the event loop, whatever the other children do.
TEST(ChildProcesses, WaitingForAChildLeavesTheLoopFree) {
    run_on_loop([](asio::io_context& io) -> asio::awaitable<void> {
        ChildProcesses children(io.get_executor());
        const auto slow = children.spawn(command({"sleep", "5"}));
        const auto quick = children.spawn(command({"sleep", "0.05"}));
        int ticks = 0;
        auto ticker = [&]() -> asio::awaitable<void> {
            asio::steady_timer timer(io);
            for (;;) {
                timer.expires_after(10ms);
                co_await timer.async_wait(asio::use_awaitable);
                ++ticks;
            }
        };
        const auto started = Clock::now();
        using namespace asio::experimental::awaitable_operators;
        auto outcome = co_await (children.wait(quick.pid) || ticker());
        const auto took = Clock::now() - started;
        EXPECT_EQ(outcome.index(), 0u);
        EXPECT_TRUE(std::get<0>(outcome).success());
        EXPECT_LT(took, 2s);
        EXPECT_GE(ticks, 1) << "the loop stood still while waiting";
        EXPECT_TRUE(children.running(slow.pid));
        const auto stopped = co_await children.stop_group(slow.pid, 1s);
        EXPECT_EQ(stopped.signal, SIGTERM);
    });
}

TEST(ChildProcesses, StoppingAGroupKillsWhatIgnoresSigterm) {
    pid_t group = 0;
    run_on_loop([&](asio::io_context& io) -> asio::awaitable<void> {
        ChildProcesses children(io.get_executor());
        // A shell that ignores SIGTERM, with a child of its own in the same group.
        const auto stubborn = children.spawn(command({"sh", "-c", "trap '' TERM; sleep 30 & wait"}));
        group = stubborn.pid;
        asio::steady_timer settle(io, 100ms);
        co_await settle.async_wait(asio::use_awaitable);
        const auto started = Clock::now();
        const auto stopped = co_await children.stop_group(stubborn.pid, 300ms);
        EXPECT_EQ(stopped.signal, SIGKILL);
        EXPECT_GE(Clock::now() - started, 300ms);
    });
    // SIGKILL reaches every member of the group at once, but a member still has to be
    // scheduled to die: on a busy machine that can come after the leader is reaped.
    EXPECT_TRUE(eventually([&] { return live_members_of_group(group) == 0; }, 5s))
        << "something of the group survived SIGKILL";
}

// What a child starts with, whether it is spawned without copying this process (posix_spawn)
// or forked to switch users: only stdin (/dev/null), stdout and stderr; no blocked or ignored
// signals; its own process group; the working directory asked for.
TEST(ChildProcesses, AChildStartsCleanWhateverThisProcessHolds) {
    const int leaked = ::open("/dev/null", O_RDONLY);  // no O_CLOEXEC
    ASSERT_GE(leaked, 3);
    const auto previous_pipe = ::signal(SIGPIPE, SIG_IGN);
    const auto previous_usr2 = ::signal(SIGUSR2, SIG_IGN);
    sigset_t blocked, previous_mask;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGUSR1);
    ::pthread_sigmask(SIG_BLOCK, &blocked, &previous_mask);
    const std::string report = fmt::format(
        "readlink /proc/$$/cwd; [ -e /proc/$$/fd/{} ] && echo leaked; readlink /proc/$$/fd/0;"
        // Read by the shell itself: a child (grep) would read it while dash, blocking every
        // signal around its vfork, waits for that very child.
        " while read -r line; do case $line in SigBlk* | SigIgn*) echo \"$line\";; esac; done < /proc/$$/status;"
        " echo pgid $(cut -d ' ' -f 5 /proc/$$/stat) pid $$; id -u",
        leaked);
    for (const std::string user : {"", "nobody"}) {
        run_on_loop([&](asio::io_context& io) -> asio::awaitable<void> {
            ChildProcesses children(io.get_executor());
            auto options = command({"sh", "-c", report});
            options.working_directory = "/tmp";
            options.user = user;
            const auto result = co_await run_command(children, options, 10s);
            EXPECT_TRUE(result.status && result.status->success()) << result.err;
            const auto& out = result.out;
            EXPECT_EQ(out.find("leaked"), std::string::npos) << "user '" << user << "': " << out;
            EXPECT_EQ(out.rfind("/tmp\n/dev/null\n", 0), 0u) << out;
            EXPECT_NE(out.find("SigBlk:\t0000000000000000\n"), std::string::npos) << out;
            // Signals 1-31 (SIGPIPE among them) as the defaults. glibc's posix_spawn leaves its
            // own two signals (32, 33: thread cancellation, setxid) ignored; a glibc program
            // sets them up again at its start.
            const auto ignored = out.find("SigIgn:\t");
            EXPECT_EQ(std::stoull(out.substr(std::min(ignored + 8, out.size()), 16), nullptr, 16) & 0x7fffffffULL, 0u) << out;
            std::istringstream ids(out.substr(std::min(out.find("pgid "), out.size())));
            std::string word;
            pid_t group = 0, pid = 0;
            ids >> word >> group >> word >> pid;
            EXPECT_EQ(group, pid) << out;
            EXPECT_NE(out.find(user.empty() ? "\n0\n" : "\n65534\n"), std::string::npos) << out;
        });
    }
    ::pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);
    ::signal(SIGPIPE, previous_pipe);
    ::signal(SIGUSR2, previous_usr2);
    ::close(leaked);
}

TEST(ChildProcesses, AnOutputFileThatCannotBeOpenedIsAClearErrorAndLeavesNoChild) {
    run_on_loop([](asio::io_context& io) -> asio::awaitable<void> {
        ChildProcesses children(io.get_executor());
        auto options = command({"true"});
        options.capture_output = false;
        options.output_file = "/nonexistent/dir/out.log";
        try {
            children.spawn(options);
            ADD_FAILURE() << "spawned with an output file that cannot be opened";
        } catch (const std::system_error& error) {
            EXPECT_EQ(error.code().value(), ENOENT) << error.what();
            EXPECT_NE(std::string(error.what()).find("cannot run /usr/bin/true (its output to /nonexistent/dir/out.log)"),
                      std::string::npos)
                << error.what();
        }
        // The failed child is reaped already: this test process has no child left.
        EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
        EXPECT_EQ(errno, ECHILD);
        co_return;
    });
}

TEST(ChildProcesses, ProgramThatCannotRunIsAClearError) {
    run_on_loop([](asio::io_context& io) -> asio::awaitable<void> {
        ChildProcesses children(io.get_executor());
        try {
            children.spawn(command({"/nonexistent/program"}));
            ADD_FAILURE() << "spawned a program that does not exist";
        } catch (const std::system_error& error) {
            EXPECT_NE(std::string(error.what()).find("/nonexistent/program"), std::string::npos) << error.what();
        }
        co_return;
    });
}

TEST(NodeChannel, VsockChannelListensWhereTheKernelHasVsock) {
    const int probe = ::socket(AF_VSOCK, SOCK_STREAM, 0);
    if (probe < 0) GTEST_SKIP() << "this kernel has no AF_VSOCK (" << std::strerror(errno) << ")";
    ::close(probe);
    asio::io_context io;
    const auto channel = babel::make_node_channel("vsock");
    EXPECT_EQ(channel->spec(), "vsock");
    try {
        auto acceptor = channel->listen(io.get_executor(), 41'000 + static_cast<std::uint32_t>(::getpid() % 1000));
        EXPECT_TRUE(acceptor.is_open());
    } catch (const boost::system::system_error& error) {
        GTEST_SKIP() << "AF_VSOCK sockets exist but cannot listen here: " << error.what();
    }
}

TEST(NodeChannel, SpecsAreParsedOrRefused) {
    EXPECT_EQ(babel::make_node_channel("unix:/run/x")->spec(), "unix:/run/x");
    EXPECT_EQ(babel::make_node_channel("vsock:3")->spec(), "vsock:3");
    EXPECT_EQ(babel::make_node_channel("tcp:169.254.0.2")->spec(), "tcp:169.254.0.2");
    EXPECT_THROW(babel::make_node_channel("tcp:"), std::invalid_argument);
    EXPECT_THROW(babel::make_node_channel("tcp:169.254.0.2:41"), std::invalid_argument);
    EXPECT_THROW(babel::make_node_channel("tcp:guest"), std::invalid_argument);
    EXPECT_EQ(babel::make_node_channel("firecracker-vsock:/n/vsock.sock")->spec(), "firecracker-vsock:/n/vsock.sock");
    EXPECT_THROW(babel::make_node_channel("firecracker-vsock:"), std::invalid_argument);
    EXPECT_THROW(babel::make_node_channel("vsock:x"), std::invalid_argument);
    EXPECT_THROW(babel::make_node_channel("unix:"), std::invalid_argument);
}

TEST(BabelSup, MountsTheDataVolumeAtTheConfigsMountPoint) {
    TempDir dir("bv-volume");
    const auto volume = dir.path() / "volume";
    const auto mount_point = dir.path() / "mounted/data";
    std::filesystem::create_directories(volume);
    write_file_atomically(volume / "already-there", "from the volume");
    // In a private mount namespace, so that the mount never shows on the host.
    Process babelsup({"unshare", "--mount", "--propagation", "private", binary("babelsup"), "--state-dir",
                      (dir.path() / "state").string(), "--channel", "unix:" + (dir.path() / "channel").string(),
                      "--data-volume", volume.string()},
                     dir.path());
    const auto babelsup_endpoint = rpc::unix_endpoint((dir.path() / "channel/41.sock").string());
    ASSERT_TRUE(eventually([&] { return std::filesystem::exists(dir.path() / "channel/41.sock"); }, 10s)) << babelsup.err();
    babel_v1::SetupRequest setup;
    setup.set_config_toml(fmt::format(R"(
[config]
protocol = "volume"
node_type = "test"
node_version = "1"
babel_version = "0.1.0"
data_directory_mount_point = "{mount}"
[supervisor]
[[supervisor.entry_point]]
command = "sh"
args = ["-c", "cat {mount}/already-there > {mount}/.copy && mv {mount}/.copy {mount}/seen-inside; sleep 1000"]
)",
                                      fmt::arg("mount", mount_point.string())));
    ASSERT_TRUE(eventually([&] {
        try {
            call<babel_v1::SetupResponse>(babelsup_endpoint, "blockvisor.babel.v1.BabelSup/Setup", setup);
            return true;
        } catch (const rpc::Error&) {
            return false;
        }
    }, 10s));
    // Written inside the mount point, found in the volume.
    EXPECT_TRUE(eventually([&] { return std::filesystem::exists(volume / "seen-inside"); }, 10s)) << babelsup.err();
    EXPECT_EQ(read_file(volume / "seen-inside"), "from the volume");
    // Not mounted on the host.
    EXPECT_FALSE(std::filesystem::exists(mount_point / "already-there"));
    babelsup.signal(SIGTERM);
    EXPECT_TRUE(babelsup.wait(30s));
}

// A listening Unix socket at `path` that a child inherits (not close-on-exec).
int inheritable_listener(const std::filesystem::path& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 || ::listen(fd, 16) != 0) {
        throw std::system_error(errno, std::generic_category(), "listening on " + path.string());
    }
    return fd;
}

// The sandbox hands babelsup a socket made before its launch: a call made at once, before
// babelsup runs its loop, waits in the backlog and is answered, with no retry.
TEST(BabelSup, ServesOnAnInheritedListeningSocketAndAnswersACallMadeBeforeItListens) {
    TempDir dir("bv-listen-fd");
    std::filesystem::create_directories(dir.path() / "channel");
    const auto socket = dir.path() / "channel/41.sock";
    const int listener = inheritable_listener(socket);
    Process babelsup({binary("babelsup"), "--state-dir", (dir.path() / "state").string(), "--channel",
                      "unix:" + (dir.path() / "unused").string(), "--listen-fd", std::to_string(listener)},
                     dir.path());
    ::close(listener);
    const auto status = call<babel_v1::GetStatusResponse>(rpc::unix_endpoint(socket.string()),
                                                          "blockvisor.babel.v1.BabelSup/GetStatus",
                                                          babel_v1::GetStatusRequest(), 10s);
    EXPECT_FALSE(status.babelsup_version().empty());
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "unused/41.sock")) << "it listened on the channel as well";
    babelsup.signal(SIGTERM);
    EXPECT_TRUE(babelsup.wait(30s));
}

TEST(BabelSup, AListenFdThatIsNoNumberOrNoListeningSocketIsRefusedWithTheReason) {
    TempDir dir("bv-listen-fd");
    const std::vector<std::string> base{binary("babelsup"), "--state-dir", (dir.path() / "state").string(), "--channel",
                                        "unix:" + (dir.path() / "channel").string(), "--listen-fd"};
    for (const auto* bad : {"three", "-1", "3x"}) {
        auto argv = base;
        argv.emplace_back(bad);
        const auto result = run(argv, 10s);
        EXPECT_EQ(result.exit_code, 2) << bad << ": " << result.err;
        EXPECT_NE(result.err.find("--listen-fd"), std::string::npos) << result.err;
    }
    // Standard input is /dev/null here: open, but no socket.
    auto argv = base;
    argv.emplace_back("0");
    const auto result = run(argv, 10s);
    EXPECT_NE(result.exit_code, 0);
    EXPECT_NE(result.err.find("file descriptor 0 is not a listening socket"), std::string::npos) << result.err;
}

TEST(CheckConfig, OriginalFilesAreValidAndBrokenOnesAreExplained) {
    // Files in the original system's format, with methods left unfinished: valid, with warnings.
    const std::string fixtures = std::string(BV_SOURCE_DIR) + "/tests/fixtures/babel/";
    const auto valid = run({binary("babel"), "check-config", fixtures + "cosmos-validator.toml",
                            fixtures + "tezos-node.toml", fixtures + "solana-rpc.toml"});
    EXPECT_EQ(valid.exit_code, 0) << valid.out << valid.err;
    EXPECT_NE(valid.out.find(fixtures + "cosmos-validator.toml: ok (3 warnings)\n"), std::string::npos) << valid.out;
    EXPECT_NE(valid.out.find(fixtures + "tezos-node.toml: ok (3 warnings)\n"), std::string::npos) << valid.out;
    EXPECT_NE(valid.out.find(fixtures + "solana-rpc.toml: ok (2 warnings)\n"), std::string::npos) << valid.out;
    EXPECT_NE(valid.out.find(fixtures + "tezos-node.toml:36:10: methods[0].method: warning: method \"height\" is not "
                                        "finished: its jrpc method name is empty"),
              std::string::npos)
        << valid.out;
    EXPECT_EQ(std::count(valid.out.begin(), valid.out.end(), '\n'), 3 + 8) << valid.out;

    TempDir dir("bv-check");
    write_file_atomically(dir.path() / "broken.toml", "[config]\nprotocol = \"x\"\n[supervisor]\nlog_buffer_capacity_ln = 0\n");
    const auto broken = run({binary("babel"), "check-config", (dir.path() / "broken.toml").string()});
    EXPECT_EQ(broken.exit_code, 1);
    EXPECT_NE(broken.out.find("broken.toml:4:"), std::string::npos) << broken.out;
    EXPECT_NE(broken.out.find("log_buffer_capacity_ln"), std::string::npos) << broken.out;

    const auto json = run({binary("babel"), "check-config", "--json", (dir.path() / "broken.toml").string()});
    EXPECT_EQ(json.exit_code, 1);
    EXPECT_NE(json.out.find("\"valid\":false"), std::string::npos) << json.out;
}

}  // namespace
}  // namespace bv::test
