#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "machine/machine.hpp"

namespace bv::machine {

// The one process a machine is (a sandbox's PID 1, a QEMU), watched through its pidfd. It is
// not bvd's child (it outlives bvd), so there is nothing to reap: the pidfd turns readable
// when it exits, and its start time tells a reused PID from it.
class MachineProcess {
public:
    explicit MachineProcess(asio::any_io_executor executor) : executor_(std::move(executor)) {}
    ~MachineProcess() { close(); }

    // False when that process is not running any more (or never was).
    bool attach(const MachineLocation& location);
    bool running() const;
    void kill();
    // Completes when the process exits (at once if none is attached).
    asio::awaitable<void> wait_stopped();
    const MachineLocation& location() const { return location_; }

private:
    void close();

    asio::any_io_executor executor_;
    MachineLocation location_;
    std::optional<asio::posix::stream_descriptor> pidfd_;
    int pidfd_number_ = -1;
};

// A machine that is one process: the part of Machine every backend answers from that
// process alone.
class ProcessMachine : public Machine {
public:
    bool attach(const MachineLocation& location) override { return process_.attach(location); }
    bool running() const override { return process_.running(); }
    void kill() override { process_.kill(); }
    asio::awaitable<void> wait_stopped() override { co_await process_.wait_stopped(); }
    MachineLocation location() const override { return process_.location(); }

protected:
    explicit ProcessMachine(asio::any_io_executor executor) : process_(std::move(executor)) {}

    MachineProcess process_;
};

// Kills the process named in `pid_file` when its command line holds `mark` (an argument
// only this node's VMM has): a VMM left by a bvd that died between starting it and recording
// it. `what` and `node` name it in the log line. True when it killed one; nothing is done
// when there is no such process.
bool kill_unrecorded_process(const std::filesystem::path& pid_file, const std::string& mark, std::string_view what,
                             std::string_view node);

}  // namespace bv::machine
