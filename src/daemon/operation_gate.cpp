#include "daemon/operation_gate.hpp"

#include "rpc/error.hpp"

namespace bv::daemon {

OperationGate::Pass OperationGate::enter(std::string_view what) {
    if (reason_) {
        throw rpc::Error(rpc::Code::unavailable, std::string(what) + " refused: " + *reason_ +
                                                     "; try again when it has ended");
    }
    return Pass(*this);
}

std::optional<OperationGate::Pass> OperationGate::try_enter() {
    if (reason_) return std::nullopt;
    return Pass(*this);
}

void OperationGate::close(std::string reason) {
    reason_ = std::move(reason);
}

boost::asio::awaitable<bool> OperationGate::drained(
    boost::asio::steady_timer::time_point deadline) {
    while (in_flight_ > 0) {
        const bool notified = co_await idle_.wait_until(deadline);
        if (!notified) break;
    }
    co_return in_flight_ == 0;
}

}  // namespace bv::daemon
