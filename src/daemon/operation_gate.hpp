#pragma once

// Node operations' way in, closed for a self update (bv-installer's UpdateStarting): while
// closed, new operations are refused with a retryable `unavailable`, and the update waits
// for the ones in flight to end (drained) before bvd is restarted.

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <optional>
#include <string>

#include "common/notifier.hpp"

namespace bv::daemon {

class OperationGate {
  public:
    // One operation in flight, for as long as it lives.
    class Pass {
      public:
        explicit Pass(OperationGate& gate) : gate_(&gate) { ++gate_->in_flight_; }
        Pass(Pass&& other) noexcept : gate_(std::exchange(other.gate_, nullptr)) {}
        Pass& operator=(Pass&&) = delete;
        ~Pass() {
            if (gate_ && --gate_->in_flight_ == 0) gate_->idle_.notify_all();
        }

      private:
        OperationGate* gate_;
    };

    // Throws rpc::Error(unavailable) naming `what` while the gate is closed.
    Pass enter(std::string_view what);
    // nullopt while closed (for work nobody asked for, such as recoveries).
    std::optional<Pass> try_enter();

    void close(std::string reason);
    void open() { reason_.reset(); }
    bool closed() const { return reason_.has_value(); }
    std::size_t in_flight() const { return in_flight_; }

    // Waits until no operation is in flight, up to `deadline`: false when some still were.
    boost::asio::awaitable<bool> drained(boost::asio::steady_timer::time_point deadline);

  private:
    std::optional<std::string> reason_;
    std::size_t in_flight_ = 0;
    Notifier idle_;
};

}  // namespace bv::daemon
