#include "machine/machine_process.hpp"

#include <poll.h>
#include <signal.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/files.hpp"
#include "common/log.hpp"
#include "common/process_identity.hpp"

namespace bv::machine {

bool MachineProcess::attach(const MachineLocation& location) {
    close();
    if (location.pid <= 0 || location.start_time == 0 || process_start_time(location.pid) != location.start_time) {
        return false;
    }
    const int fd = open_pidfd(location.pid);
    if (fd < 0) return false;
    pidfd_.emplace(executor_, fd);
    pidfd_number_ = fd;
    location_ = location;
    return running();
}

bool MachineProcess::running() const {
    if (!pidfd_) return false;
    pollfd exited{pidfd_number_, POLLIN, 0};
    return ::poll(&exited, 1, 0) == 0;
}

void MachineProcess::kill() {
    if (running()) ::kill(location_.pid, SIGKILL);
}

asio::awaitable<void> MachineProcess::wait_stopped() {
    if (!pidfd_) co_return;
    co_await pidfd_->async_wait(asio::posix::stream_descriptor::wait_read, asio::as_tuple(asio::use_awaitable));
}

void MachineProcess::close() {
    pidfd_.reset();
    pidfd_number_ = -1;
}

bool kill_unrecorded_process(const std::filesystem::path& pid_file, const std::string& mark, std::string_view what,
                             std::string_view node) {
    std::error_code ec;
    if (!std::filesystem::exists(pid_file, ec)) return false;
    try {
        const auto pid = std::stoi(read_file(pid_file));
        const auto command_line = read_file("/proc/" + std::to_string(pid) + "/cmdline");
        if (command_line.find(mark + '\0') == std::string::npos) return false;
        log::warn("node {}: killing {} {} that was never recorded", node, what, pid);
        ::kill(pid, SIGKILL);
        return true;
    } catch (const std::exception&) {
        return false;  // no such process any more
    }
}

}  // namespace bv::machine
